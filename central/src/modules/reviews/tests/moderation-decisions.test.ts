import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { moderationState, seedReview, type SeedReview } from './moderation-seed.js';

/**
 * A moderator's decisions: approve or reject with a note moves the review (its product's summary with it), records
 * who and why on the review and appends a log row; the same decision twice changes nothing; a deleted review or a
 * decision its status does not allow is refused (409); resolving reports keeps or removes the review and closes them;
 * two moderators deciding at once make one decision.
 */
const T0 = Date.UTC(2026, 10, 1, 9);

describe.each(dbTargets)('moderation decisions on $name', (target) => {
  const s = signedInHub(target);
  let n = 0;
  /** A review of a product of its own (so each test reads its own summary). */
  const seed = (r: Omit<SeedReview, 'sku' | 'createdAt'> & { sku?: string }) =>
    seedReview(s.t.hub.db, { sku: `SKU-${++n}`, createdAt: T0 + n, ...r });
  const decide = (id: string, body: unknown) =>
    s.t.call('POST', `/api/reviews/${id}/moderation`, body, { cookie: s.admin });
  const resolve = (id: string, body: unknown) =>
    s.t.call('POST', `/api/reviews/${id}/reports/resolve`, body, { cookie: s.admin });
  const state = (id: string) => moderationState(s.t.hub.db, id);
  const shownOf = async (sku: string) =>
    (await s.t.hub.db.query<{ n4: number }>(`SELECT n4 FROM review_summaries WHERE sku = $1`, [sku])).rows[0]?.n4 ?? 0;

  it('approves a waiting review with a note: shown, counted in its summary, the decision logged', async () => {
    const id = await seed({ status: 'MANUAL_REVIEW', rating: 4, sku: 'APPROVE-1' });
    const r = await decide(id, { decision: 'APPROVE', note: '  Real customer, checked the order.  ' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      status: 'APPROVED',
      moderation: { note: 'Real customer, checked the order.', at: expect.any(Number), by: expect.any(String) },
    });
    const after = await state(id);
    expect(after).toMatchObject({ status: 'APPROVED', moderator_note: 'Real customer, checked the order.' });
    expect(after.log).toEqual([
      {
        action: 'APPROVE',
        from_status: 'MANUAL_REVIEW',
        to_status: 'APPROVED',
        note: 'Real customer, checked the order.',
        actor: r.body.moderation.by,
        revision: 1,
        reason: null,
      },
    ]);
    expect(await shownOf('APPROVE-1')).toBe(1);
    const queue = await s.t.call('GET', '/api/reviews/moderation', undefined, { cookie: s.admin });
    expect(queue.body.reviews.map((v: { id: string }) => v.id)).not.toContain(id);
  });

  it('the same decision twice is answered 200 and changes nothing more', async () => {
    const id = await seed({ status: 'MANUAL_REVIEW', sku: 'TWICE-1' });
    expect((await decide(id, { decision: 'APPROVE' })).status).toBe(200);
    const again = await decide(id, { decision: 'APPROVE', note: 'again' });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('APPROVED');
    const after = await state(id);
    expect(after.log).toHaveLength(1);
    expect(after.moderator_note).toBeNull();
    expect(await shownOf('TWICE-1')).toBe(1);
  });

  it('rejects a shown review (out of its summary) and approves a refused one back', async () => {
    const id = await seed({ status: 'APPROVED', rating: 4, sku: 'REJECT-1' });
    expect(await shownOf('REJECT-1')).toBe(1);
    const r = await decide(id, { decision: 'REJECT', note: 'Competitor' });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('REJECTED');
    expect(await shownOf('REJECT-1')).toBe(0);
    const back = await decide(id, { decision: 'APPROVE' });
    expect(back.body.status).toBe('APPROVED');
    expect((await state(id)).log.map((l) => [l.action, l.from_status, l.to_status, l.note])).toEqual([
      ['REJECT', 'APPROVED', 'REJECTED', 'Competitor'],
      ['APPROVE', 'REJECTED', 'APPROVED', null],
    ]);
  });

  it('refuses a deleted review (409), a stale decision (409) and an unknown review (404), changing nothing', async () => {
    const deleted = await seed({ status: 'DELETED' });
    const gone = await decide(deleted, { decision: 'APPROVE' });
    expect(gone.status).toBe(409);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(await state(deleted)).toMatchObject({ status: 'DELETED', log: [] });
    const rejected = await seed({ status: 'REJECTED' });
    const stale = await decide(rejected, { decision: 'APPROVE', seen: 'MANUAL_REVIEW' });
    expect(stale.status).toBe(409);
    expect(stale.body.detail).toContain('another moderator');
    expect(await state(rejected)).toMatchObject({ status: 'REJECTED', log: [] });
    expect((await decide('0193a0c4-4d3b-7c4e-9f1a-6b2f0e1d2c3b', { decision: 'REJECT' })).status).toBe(404);
    expect((await decide('not-a-uuid', { decision: 'REJECT' })).status).toBe(404);
  });

  it('resolves reports: kept, the review is shown again; removed, it is refused; the reports closed', async () => {
    const report = { reason: 'OFFENSIVE', at: T0 };
    const keep = await seed({
      status: 'MANUAL_REVIEW',
      beforeReports: 'APPROVED',
      reports: [report, { reason: 'SPAM', at: T0 + 1 }],
    });
    const kept = await resolve(keep, { remove: false, note: 'Harsh but fair' });
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ status: 'APPROVED', reportsOpen: 0, reports: [] });
    expect(await state(keep)).toMatchObject({
      status: 'APPROVED',
      openReports: 0,
      reports_open: 0,
      log: [{ action: 'RESOLVE_REPORTS', from_status: 'MANUAL_REVIEW', to_status: 'APPROVED', note: 'Harsh but fair' }],
    });
    const drop = await seed({ status: 'APPROVED', reports: [report] });
    const removed = await resolve(drop, { remove: true });
    expect(removed.body.status).toBe('REJECTED');
    expect(await state(drop)).toMatchObject({ status: 'REJECTED', openReports: 0 });
    // nothing open any more: a second moderator's resolve changes nothing
    const again = await resolve(drop, { remove: false });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('REJECTED');
    expect((await state(drop)).log).toHaveLength(1);
  });

  it('a decision closes the open reports and logs the revision and the reason (OTHER unless said)', async () => {
    const reports = [
      { reason: 'OFFENSIVE', at: T0 },
      { reason: 'SPAM', at: T0 + 1 },
    ];
    const queued = await seed({
      status: 'MANUAL_REVIEW',
      beforeReports: 'APPROVED',
      reports: [...reports, reports[0]!],
    });
    const shown = await seed({ status: 'APPROVED', reports });
    const reported = async () =>
      (
        await s.t.call('GET', '/api/reviews/moderation?kind=REPORTED&limit=100', undefined, { cookie: s.admin })
      ).body.reviews.map((v: { id: string }) => v.id);
    expect(await reported()).toEqual(expect.arrayContaining([queued, shown]));

    const rejected = await decide(queued, { decision: 'REJECT', reason: 'OFFENSIVE', note: 'Slurs' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reportsOpen: 0, reports: [] });
    expect(await state(queued)).toMatchObject({
      status: 'REJECTED',
      openReports: 0,
      reports_open: 0,
      log: [{ action: 'REJECT', from_status: 'MANUAL_REVIEW', revision: 1, reason: 'OFFENSIVE' }],
    });
    // approving a shown review that has open reports is a decision too: the reports close, one log row
    const approved = await decide(shown, { decision: 'APPROVE', seen: 'APPROVED' });
    expect(approved.body).toMatchObject({ status: 'APPROVED', reportsOpen: 0, reports: [] });
    expect(await state(shown)).toMatchObject({
      openReports: 0,
      log: [{ action: 'APPROVE', from_status: 'APPROVED', to_status: 'APPROVED', reason: null }],
    });
    expect(await reported()).not.toEqual(expect.arrayContaining([queued]));
    expect(await reported()).not.toEqual(expect.arrayContaining([shown]));
    expect(
      (await s.t.hub.db.query(`SELECT status_before_reports FROM reviews WHERE id = $1`, [queued])).rows[0],
    ).toEqual({ status_before_reports: null });

    const plain = await seed({ status: 'MANUAL_REVIEW' });
    await decide(plain, { decision: 'REJECT' });
    expect((await state(plain)).log).toMatchObject([{ action: 'REJECT', reason: 'OTHER' }]);

    const other = await seed({ status: 'MANUAL_REVIEW' });
    for (const body of [
      { decision: 'APPROVE', reason: 'FAKE' },
      { decision: 'REJECT', reason: 'LIES' },
      { decision: 'REJECT', reason: 7 },
    ]) {
      const bad = await decide(other, body);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await resolve(other, { remove: false, reason: 'FAKE' })).status).toBe(400);
    expect(await state(other)).toMatchObject({ status: 'MANUAL_REVIEW', log: [] });
  });

  it('"keep it" restores the status before the reports; a fraud hold or a refusal is not the reports’ to lift', async () => {
    const report = { reason: 'SPAM', at: T0 };
    // held by the fraud check and reported meanwhile: keep is refused (409), nothing changes; approve decides it
    const held = await seed({ status: 'MANUAL_REVIEW', score: 0.8, reports: [report] });
    const kept = await resolve(held, { remove: false });
    expect(kept.status).toBe(409);
    expect(kept.body.detail).toContain('approve or reject');
    expect(await state(held)).toMatchObject({ status: 'MANUAL_REVIEW', openReports: 1, log: [] });
    const refused = await seed({ status: 'REJECTED', reports: [report] });
    expect((await resolve(refused, { remove: false })).status).toBe(409);
    expect(await state(refused)).toMatchObject({ status: 'REJECTED', openReports: 1, log: [] });
    // neither is in the reported queue (the waiting and refused queues have them)
    const reported = (
      await s.t.call('GET', '/api/reviews/moderation?kind=REPORTED&limit=100', undefined, { cookie: s.admin })
    ).body.reviews.map((v: { id: string }) => v.id);
    expect(reported).not.toContain(held);
    expect(reported).not.toContain(refused);
    // removing it for a reason: refused, reports closed, the reason logged
    const removed = await resolve(held, { remove: true, reason: 'FAKE' });
    expect(removed.body).toMatchObject({ status: 'REJECTED', reports: [] });
    expect((await state(held)).log).toMatchObject([
      { action: 'RESOLVE_REPORTS', to_status: 'REJECTED', reason: 'FAKE' },
    ]);
    // queued by its reports: keep shows it again and forgets the status it had
    const queued = await seed({ status: 'MANUAL_REVIEW', beforeReports: 'APPROVED', reports: [report] });
    expect((await resolve(queued, { remove: false })).body).toMatchObject({ status: 'APPROVED', reports: [] });
    expect(
      (await s.t.hub.db.query(`SELECT status_before_reports FROM reviews WHERE id = $1`, [queued])).rows[0],
    ).toEqual({ status_before_reports: null });
  });

  it('two moderators deciding at once make one decision', async () => {
    const same = await seed({ status: 'MANUAL_REVIEW' });
    const both = await Promise.all([decide(same, { decision: 'APPROVE' }), decide(same, { decision: 'APPROVE' })]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect((await state(same)).log).toHaveLength(1);

    const split = await seed({ status: 'MANUAL_REVIEW' });
    const answers = await Promise.all([
      decide(split, { decision: 'APPROVE', seen: 'MANUAL_REVIEW' }),
      decide(split, { decision: 'REJECT', seen: 'MANUAL_REVIEW' }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = answers.find((r) => r.status === 200)!;
    const after = await state(split);
    expect(after.log).toHaveLength(1);
    expect(after.status).toBe(winner.body.status);
  });
});
