import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import type { Caller, Hold } from '../types.js';
import { HoldsHarness } from './holds-harness.js';

/** The hub itself placing holds (what the waitlist does): the service is called directly, so a burst is one tick. */
const HUB: Caller = { principal: null, key: 'hub:hold-batch-test' };

type Answer = { won: Hold } | { refused: string; taken: readonly string[] | undefined };

describe.each(dbTargets)('seat holds written together (group commit), on $name', (target) => {
  let h: HoldsHarness;
  let venueId: string;
  beforeAll(async () => {
    h = await HoldsHarness.start(target);
    venueId = (await h.venue()).id;
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  });

  /** Every ask started in the same tick (so they queue for the same group commit), each answered on its own. */
  async function burst(showId: string, asks: readonly { seats: string[]; customerId?: string }[]): Promise<Answer[]> {
    return Promise.all(
      asks.map((a) =>
        h.parts.holds.place(HUB, { showId, customerId: a.customerId ?? randomUUID(), seats: a.seats }).then(
          (won): Answer => ({ won }),
          (err: { message: string; extra?: { taken?: string[] } }): Answer => ({
            refused: err.message,
            taken: err.extra?.taken,
          }),
        ),
      ),
    );
  }

  /** A show with one hold placed already (so its show, venue and seats are in the service's memory). */
  async function warmShow(seats = ['STALLS-C-10']) {
    const show = await h.show(venueId);
    const [first] = await burst(show.id, [{ seats }]);
    if (!first || !('won' in first)) throw new Error(`the first hold was refused: ${JSON.stringify(first)}`);
    return show;
  }

  /** Statements that inserted holds, counted while `fn` runs. */
  async function holdStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: number }> {
    const db = h.ctx.db;
    const query = db.query.bind(db);
    const transaction = db.transaction.bind(db);
    let statements = 0;
    const count = (sql: string) => {
      if (sql.includes('INSERT INTO booking_holds')) statements++;
    };
    db.query = ((sql: string, params?: readonly unknown[]) => {
      count(sql);
      return query(sql, params);
    }) as typeof db.query;
    db.transaction = ((fn2: Parameters<typeof db.transaction>[0]) =>
      transaction((tx) =>
        fn2({
          ...tx,
          query: ((sql: string, params?: readonly unknown[]) => {
            count(sql);
            return tx.query(sql, params);
          }) as typeof tx.query,
          afterCommit: tx.afterCommit?.bind(tx),
        } as typeof tx),
      )) as typeof db.transaction;
    try {
      return { result: await fn(), statements };
    } finally {
      db.query = query;
      db.transaction = transaction;
    }
  }

  it('writes a burst of holds together: the winners hold their seats, each loser alone is refused naming only its taken seats', async () => {
    const show = await warmShow(['STALLS-C-5']);
    const winners = Array.from({ length: 10 }, (_, i) => ({ seats: [`STALLS-B-${i + 1}`] }));
    const { result: answers, statements } = await holdStatements(() =>
      burst(show.id, [
        ...winners.slice(0, 5),
        { seats: ['STALLS-C-4', 'STALLS-C-5'] }, // C-5 is held already: refused, C-4 stays free
        ...winners.slice(5),
        { seats: ['STALLS-C-5', 'STALLS-C-6', 'CIRCLE-A-1'] },
        { seats: ['CIRCLE-A-3', 'CIRCLE-A-4'] },
      ]),
    );
    // one hold statement per group commit, not one per hold (the old way wrote 13)
    expect(statements).toBeLessThanOrEqual(3);
    const refused = answers.filter((a) => 'refused' in a);
    expect(refused).toEqual([
      { refused: `seat STALLS-C-5 is taken for Hamlet`, taken: ['STALLS-C-5'] },
      { refused: `seat STALLS-C-5 is taken for Hamlet`, taken: ['STALLS-C-5'] },
    ]);
    const won = answers.flatMap((a) => ('won' in a ? [a.won] : []));
    expect(won).toHaveLength(11);
    const { claims, holds } = await h.claims(show.id);
    // the first hold's C-5, the ten B seats, CIRCLE-A-3/4: nothing of the refused holds (C-4, C-6, CIRCLE-A-1)
    expect(claims).toHaveLength(1 + 10 + 2);
    expect(holds).toHaveLength(1 + 11);
    for (const hold of holds) {
      const mine = claims.filter((c) => c.hold_id === hold.id).map((c) => c.seat_no);
      expect(mine.sort((a, b) => a - b)).toEqual([...hold.seat_nos].sort((a, b) => a - b));
    }
    const map = await h.parts.holds.seatMap((await h.parts.holds.show(show.id))!);
    expect(map.free).toBe(36 - 13);
  });

  it('lets one of two asks sharing a seat in one burst win, and never leaves part of the other held', async () => {
    const show = await warmShow();
    for (let round = 0; round < 4; round++) {
      const row = ['A', 'B', 'C'][round % 3]!;
      const base = 3 + 3 * Math.floor(round / 3);
      const [x, y] = await burst(show.id, [
        { seats: [`STALLS-${row}-${base}`, `STALLS-${row}-${base + 1}`] },
        { seats: [`STALLS-${row}-${base + 1}`, `STALLS-${row}-${base + 2}`] },
      ]);
      const answers = [x!, y!];
      expect(answers.filter((a) => 'won' in a)).toHaveLength(1);
      const lost = answers.find((a) => 'refused' in a) as { refused: string; taken: string[] };
      expect(lost.taken).toEqual([`STALLS-${row}-${base + 1}`]);
    }
    const { claims, holds } = await h.claims(show.id);
    expect(holds).toHaveLength(1 + 4);
    expect(claims).toHaveLength(1 + 4 * 2);
    const seatsOfHolds = holds.flatMap((x) => x.seat_nos).sort((a, b) => a - b);
    expect(claims.map((c) => c.seat_no)).toEqual(seatsOfHolds);
  });

  it('refuses a second hold of one customer in the same burst, naming the live hold', async () => {
    const show = await warmShow();
    const customerId = randomUUID();
    const answers = await burst(show.id, [
      { seats: ['STALLS-B-1'], customerId },
      { seats: ['STALLS-B-9'], customerId },
    ]);
    expect(answers.filter((a) => 'won' in a)).toHaveLength(1);
    const won = (answers.find((a) => 'won' in a) as { won: Hold }).won;
    const lost = answers.find((a) => 'refused' in a) as { refused: string };
    expect(lost.refused).toContain('this customer already holds seats for this show');
    expect(lost.refused).toContain(won.id);
    const { holds } = await h.claims(show.id);
    expect(holds.filter((x) => x.status === 'HELD')).toHaveLength(2);
  });

  it('refuses the asks for a show cancelled meanwhile, alone, while the same burst holds seats at another show', async () => {
    const cancelled = await warmShow();
    const open = await warmShow();
    // cancelled behind the service's back (another hub of the cluster): its memory of the show still says on sale
    await h.db.query(`UPDATE booking_shows SET status = 'CANCELLED' WHERE id = $1`, [cancelled.id]);
    const [a, b, c] = await Promise.all([
      burst(cancelled.id, [{ seats: ['STALLS-B-1'] }]),
      burst(open.id, [{ seats: ['STALLS-B-1'] }, { seats: ['STALLS-B-2', 'STALLS-B-3'] }]),
      burst(cancelled.id, [{ seats: ['STALLS-B-4', 'STALLS-B-5'] }]),
    ]);
    for (const r of [...a!, ...c!]) expect(r).toMatchObject({ refused: 'Hamlet was cancelled: nothing can be held' });
    expect(b!.every((r) => 'won' in r)).toBe(true);
    expect((await h.claims(cancelled.id)).claims).toHaveLength(1); // the hold from before the cancel only
    expect((await h.claims(open.id)).claims).toHaveLength(1 + 3);
  });

  it.skipIf(target.name !== 'postgres')(
    'waits for a seat claimed by a writer not yet committed, then refuses naming it, nothing of the hold kept',
    async () => {
      const show = await warmShow();
      const seatNo = (await h.parts.holds.seats(venueId)).find((s) => s.label === 'STALLS-B-7')!.seatNo;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let claimed!: () => void;
      const inside = new Promise<void>((r) => {
        claimed = r;
      });
      // another hub's batch: its claim of B-7 is written, not yet committed
      const other = h.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO booking_seat_claims (show_id, seat_no, hold_id) VALUES ($1, $2, $3)`, [
          show.id,
          seatNo,
          randomUUID(),
        ]);
        claimed();
        await gate;
      });
      await inside;
      const asked = burst(show.id, [{ seats: ['STALLS-B-6', 'STALLS-B-7'] }, { seats: ['STALLS-B-1'] }]);
      // the hold statement waits on the uncommitted claim; let the other writer commit
      await new Promise((r) => setTimeout(r, 50));
      release();
      await other;
      const [lost, won] = await asked;
      expect(lost).toEqual({ refused: 'seat STALLS-B-7 is taken for Hamlet', taken: ['STALLS-B-7'] });
      expect(won).toHaveProperty('won');
      const { claims, holds } = await h.claims(show.id);
      expect(holds).toHaveLength(2);
      // B-6 free again: no partial hold; the other writer's B-7, the first hold's C-10, B-1
      expect(claims).toHaveLength(3);
    },
  );
});
