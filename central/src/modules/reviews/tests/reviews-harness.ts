import { afterAll, beforeAll } from 'vitest';
import type { Queryable } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { EngagementRepository } from '../engagement-repository.js';
import { type ReviewsParts, reviewsParts } from '../index.js';
import type { FraudDecision, FraudInput, FraudVerdict } from '../types.js';

/**
 * A stand-in for the fraud scorer (lane D's), so these tests decide each review's route: a body holding `[manual]`
 * goes to a moderator, `[reject]` is refused, anything else is approved. Every input it was asked about is kept.
 */
export class ScriptedScorer {
  readonly asked: FraudInput[] = [];
  readonly remembered: string[] = [];

  install(parts: ReviewsParts): void {
    parts.scorer.score = async (_q: Queryable, input: FraudInput): Promise<FraudVerdict> => {
      this.asked.push(input);
      const decision: FraudDecision = input.body.includes('[reject]')
        ? 'REJECTED'
        : input.body.includes('[manual]')
          ? 'MANUAL_REVIEW'
          : 'APPROVED';
      const score = decision === 'APPROVED' ? 0.1 : decision === 'MANUAL_REVIEW' ? 0.6 : 0.9;
      return {
        score,
        decision,
        reasons: decision === 'APPROVED' ? [] : [{ code: 'TEXT_MODEL', weight: score, detail: `scripted ${decision}` }],
        modelVersion: 7,
        signature: new Uint32Array(4),
      };
    };
    parts.scorer.remember = async (_tx: Queryable, reviewId: string) => {
      this.remembered.push(reviewId);
    };
  }
}

export interface ReviewsHub {
  readonly t: TestHub;
  readonly admin: string;
  readonly ctx: HubContext;
  readonly parts: ReviewsParts;
  readonly scorer: ScriptedScorer;
  /** Signs the admin and the stores in again (after a test moved the clock past a session's life). */
  signIn(): Promise<void>;
  /** Store A's kiosk credential and store B's. */
  readonly storeA: { id: string; secret: string; token: string };
  readonly storeB: { id: string; secret: string; token: string };
}

/**
 * A hub for the reviews core's tests: started on `target` with the reviews module's context kept, the scorer
 * scripted, two stores registered and `skus` in the catalog. Stopped after the describe block's tests.
 */
export function reviewsHub(target: DbTarget, skus: readonly string[]): ReviewsHub {
  const state: Partial<{ -readonly [K in keyof ReviewsHub]: ReviewsHub[K] }> = {};
  state.signIn = async () => {
    const t = state.t!;
    state.admin = await t.login();
    for (const key of ['storeA', 'storeB'] as const) {
      const s = state[key]!;
      const tok = await t.call('POST', '/api/auth/store-token', { storeId: s.id, secret: s.secret });
      state[key] = { ...s, token: tok.body.token };
    }
  };
  beforeAll(async () => {
    const kept = await modulesKeepingContext('reviews');
    const t = await TestHub.start(target, { modules: kept.modules });
    state.t = t;
    state.admin = await t.login();
    state.ctx = kept.context();
    state.parts = reviewsParts(state.ctx);
    state.scorer = new ScriptedScorer();
    state.scorer.install(state.parts);
    await engagementOrNone(state.parts, state.ctx);
    state.storeA = await t.store('REV-A', state.admin);
    state.storeB = await t.store('REV-B', state.admin);
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      {
        items: skus.map((sku) => ({ sku, name: `Product ${sku}`, category: 'Home', priceMinor: 1000 })),
      },
      { cookie: state.admin },
    );
    if (imported.status >= 300) throw new Error(`import: ${imported.status} ${JSON.stringify(imported.body)}`);
  }, 120_000);
  afterAll(() => state.t?.stop());
  return new Proxy({} as ReviewsHub, {
    get(_o, key: keyof ReviewsHub) {
      const v = state[key];
      if (v === undefined) throw new Error(`reviewsHub.${String(key)}: use it inside a test or a later hook`);
      return v;
    },
  });
}

/** While lane B's responses are not built, views carry none (the real call stays in the code). */
async function engagementOrNone(parts: ReviewsParts, ctx: HubContext): Promise<void> {
  try {
    await new EngagementRepository(ctx.db).responses([]);
  } catch (err) {
    if (!String(err).includes('not built')) throw err;
    Object.assign(parts.reviews, {
      engagement: () => ({ responses: async () => new Map() }) as unknown as EngagementRepository,
    });
  }
}

/** A new customer (head office sees the whole card) who showed their card at store A's kiosk: A is linked, B is not. */
export async function customerAtA(h: ReviewsHub, name: string): Promise<{ id: string; card: string }> {
  const r = await h.t.call('POST', '/api/customers', { name }, { cookie: h.admin });
  if (r.status !== 201) throw new Error(`customer: ${r.status} ${JSON.stringify(r.body)}`);
  const lookup = await h.t.call(
    'POST',
    '/api/customers/lookup',
    { card: r.body.loyaltyCard },
    { bearer: h.storeA.token },
  );
  if (lookup.status !== 200) throw new Error(`lookup: ${lookup.status} ${JSON.stringify(lookup.body)}`);
  return { id: r.body.id, card: r.body.loyaltyCard };
}

/** A valid review body (head office passes the client). */
export function reviewBody(customerId: string, sku: string, over: Record<string, unknown> = {}) {
  return {
    customerId,
    sku,
    rating: 4,
    title: 'Solid product',
    body: 'It does what the box says, and it still works after a month.',
    client: { ip: '203.0.113.7', deviceId: 'app-device-1' },
    ...over,
  };
}

/** The rows a refused request must not change. */
export async function reviewTables(db: Queryable): Promise<string> {
  const tables = ['reviews', 'review_revisions', 'review_summaries', 'review_store_dirty'];
  const parts: string[] = [];
  for (const table of tables) {
    const { rows } = await db.query(`SELECT * FROM ${table} ORDER BY 1`);
    parts.push(`${table}:${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}
