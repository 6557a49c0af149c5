import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../db/db.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { openMigratedDb } from '../../../../tests/support/migrated-db.js';
import { FraudScorer } from '../fraud/scorer.js';
import { ReviewsRepository } from '../reviews-repository.js';
import type { FraudInput, FraudReasonEntry, FraudVerdict } from '../types.js';

/**
 * Bursts and copies seen together: submits scored in parallel transactions (as the service runs them, several at once
 * on Postgres) count each other, and once a burst or a copy is seen, the burst's earlier approved members and the
 * copied original go to a moderator in the same transaction, with a reason naming the review that revealed them.
 */
const NOW = Date.UTC(2026, 10, 3, 12);
const log = pino({ level: 'silent' });
const KETTLE =
  'I bought this kettle for my mother and she uses it every single morning. It boils a full litre in under three ' +
  'minutes, the handle stays cool, and the lid opens with one finger. The blue light is a bit bright at night but ' +
  'otherwise it is the best kettle we have owned in twenty years of making tea.';
const WORDS = ['mug', 'lamp', 'chair', 'desk', 'rug', 'pan', 'fork', 'vase', 'clock', 'shelf', 'towel', 'kettle'];

interface Row {
  status: string;
  fraud_reasons: FraudReasonEntry[];
  fraud_score: number;
}

describe.each(dbTargets)('fraud holds on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  const scorer = new FraudScorer({ probability: () => null });

  /**
   * What ReviewsService.submit does around scoring: score, store the row, remember the text, hold the accomplices,
   * the summaries' moves written last.
   */
  const submit = (i: FraudInput) =>
    db.transaction(async (tx): Promise<{ id: string; verdict: FraudVerdict; held: string[] }> => {
      const verdict = await scorer.score(tx, i);
      const id = randomUUID();
      const reviews = new ReviewsRepository(tx, { deferTotals: true });
      await reviews.insert({
        id,
        sku: i.sku,
        customerId: i.customerId,
        rating: i.rating,
        title: i.title,
        body: i.body,
        authorName: 'Ana P.',
        status: verdict.decision,
        verified: i.verified,
        photoCount: 0,
        fraudScore: verdict.score,
        fraudReasons: verdict.reasons,
        modelVersion: verdict.modelVersion,
        clientIp: i.client.ip,
        deviceId: i.client.deviceId,
        createdAt: i.at,
        updatedAt: i.at,
      });
      await scorer.remember(tx, id, i.customerId, verdict.signature);
      const held = await scorer.holdAccomplices(tx, id, verdict, reviews);
      await reviews.flushTotals();
      return { id, verdict, held };
    });
  const input = (over: Partial<FraudInput>): FraudInput => ({
    reviewId: null,
    sku: 'SKU-H',
    customerId: randomUUID(),
    customerSince: null,
    rating: 4,
    title: 'Fine',
    body: 'It does what it says and arrived on time.',
    verified: true,
    client: { ip: null, deviceId: null },
    at: NOW,
    ...over,
  });
  const row = async (id: string) =>
    (await db.query<Row>('SELECT status, fraud_reasons, fraud_score FROM reviews WHERE id = $1', [id])).rows[0]!;

  beforeAll(async () => {
    const opened = await openMigratedDb(
      target,
      [{ module: 'reviews', dir: new URL('../schema/', import.meta.url) }],
      log,
    );
    db = opened.db;
    close = opened.close;
  });
  afterAll(async () => {
    await close?.();
  });

  it('eight parallel submits from one address count each other, and the whole burst ends with a moderator', async () => {
    const ip = '203.0.113.140';
    const sku = 'SKU-BURST';
    const done = await Promise.all(
      WORDS.slice(0, 8).map((w, k) =>
        submit(
          input({
            sku,
            client: { ip, deviceId: `phone-${k}` },
            body: `The ${w} number ${k} arrived ${k + 2} days late, and the box was open.`,
          }),
        ),
      ),
    );
    // counted one after another: the 6th, 7th and 8th see the five before them
    const burst = done.filter((d) => d.verdict.reasons.some((r) => r.code === 'IP_BURST'));
    expect(burst).toHaveLength(3);
    expect(burst.map((d) => d.verdict.reasons.find((r) => r.code === 'IP_BURST')!.detail).sort()).toEqual([
      `6 reviews from ${ip} in the last hour, by 6 customers`,
      `7 reviews from ${ip} in the last hour, by 7 customers`,
      `8 reviews from ${ip} in the last hour, by 8 customers`,
    ]);
    // the first burst member held the five before it; nothing is left approved
    expect(done.flatMap((d) => d.held).sort()).toEqual(
      done
        .filter((d) => !burst.includes(d))
        .map((d) => d.id)
        .sort(),
    );
    for (const d of done) {
      const r = await row(d.id);
      expect(r.status).toBe('MANUAL_REVIEW');
      expect(r.fraud_reasons.map((x) => x.code)).toContain('IP_BURST');
    }
    const early = await row(done.find((d) => !burst.includes(d))!.id);
    expect(early.fraud_reasons.find((x) => x.code === 'IP_BURST')?.detail).toMatch(
      new RegExp(`^Held with review [0-9a-f-]{36}: 6 reviews from ${ip.replace(/\./g, '\\.')} in the last hour`),
    );
    expect(early.fraud_score).toBeCloseTo(0.55, 3);
    const summary = await new ReviewsRepository(db).summary(sku);
    expect(summary.count).toBe(0);
  });

  it('parallel copies of one text from different addresses see each other: one approved, the rest held', async () => {
    const done = await Promise.all(
      [0, 1, 2, 3].map((k) =>
        submit(
          input({
            sku: `SKU-COPY-${k}`,
            title: 'Best kettle',
            body: KETTLE,
            client: { ip: `198.51.100.${k + 1}`, deviceId: null },
          }),
        ),
      ),
    );
    const dups = done.filter((d) => d.verdict.reasons.some((r) => r.code === 'NEAR_DUPLICATE'));
    expect(dups).toHaveLength(3);
    // the first one was the original each copy names: held by the first copy, with a reason naming it
    const original = done.find((d) => !dups.includes(d))!;
    const r = await row(original.id);
    expect(r.status).toBe('MANUAL_REVIEW');
    const reason = r.fraud_reasons.find((x) => x.code === 'NEAR_DUPLICATE');
    expect(reason?.weight).toBe(0.7);
    expect(reason?.detail).toMatch(/^Review [0-9a-f-]{36} by another customer is a near-copy of this one/);
    expect(done.flatMap((d) => d.held)).toEqual([original.id]);
  });

  it('holds nothing for a clean review, and never touches a review that is not approved', async () => {
    const ip = '203.0.113.141';
    const first = await submit(
      input({ client: { ip, deviceId: 'tablet-1' }, body: 'The lamp is bright enough to read by.' }),
    );
    expect(first.held).toEqual([]);
    await db.query(`UPDATE reviews SET status = 'REJECTED' WHERE id = $1`, [first.id]);
    const others = [];
    for (let k = 0; k < 3; k++)
      others.push(
        await submit(
          input({ client: { ip: `192.0.2.${150 + k}`, deviceId: 'tablet-1' }, body: `The ${WORDS[k]} is fine ${k}.` }),
        ),
      );
    expect(others.map((o) => o.verdict.reasons.map((r) => r.code))).toEqual([[], [], ['DEVICE_BURST']]);
    expect(others[2]!.held.sort()).toEqual([others[0]!.id, others[1]!.id].sort());
    expect((await row(first.id)).status).toBe('REJECTED');
    expect((await row(first.id)).fraud_reasons).toEqual([]);
  });
});
