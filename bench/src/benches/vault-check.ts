import { availableParallelism, loadavg } from 'node:os';
import { createHub, type Hub } from '@storefleet/central';
import type { Principal } from '../../../central/src/kernel/principal.js';
import { seededRandom } from '../../../central/src/modules/delivery/carriers/seeded-random.js';
import { vaultParts } from '../../../central/src/modules/vault/index.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';
import { percentile } from '../support/memory-store.js';
import { modulesKeepingContext } from '../support/module-context.js';
import { loadVaultTree, userId, uuidOf } from './vault-check-data.js';

/** A positive whole number from the environment (CI-size runs), else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

/** Issue #22's sizes by default: 1,000,000 tuples, folders 10 deep, 1,000 visible documents listed. */
export const VAULT_CHECK_DEFAULTS = {
  tuples: fromEnv('VAULT_CHECK_TUPLES', 1_000_000),
  depth: fromEnv('VAULT_CHECK_DEPTH', 10),
  topFolders: fromEnv('VAULT_CHECK_TOP_FOLDERS', 10),
  branching: fromEnv('VAULT_CHECK_BRANCHING', 2),
  docsPerFolder: fromEnv('VAULT_CHECK_DOCS_PER_FOLDER', 20),
  users: fromEnv('VAULT_CHECK_USERS', 10_000),
  groups: fromEnv('VAULT_CHECK_GROUPS', 500),
  groupsPerUser: fromEnv('VAULT_CHECK_GROUPS_PER_USER', 3),
  listed: fromEnv('VAULT_CHECK_LISTED', 1_000),
  listHidden: fromEnv('VAULT_CHECK_LIST_HIDDEN', 200),
  /** Checks timed (half of them on a document a grant above reaches, half anywhere). */
  checks: fromEnv('VAULT_CHECK_CHECKS', 2_000),
  /** Full listings (every page) of the listing folder. */
  listings: fromEnv('VAULT_CHECK_LISTINGS', 50),
  listPage: fromEnv('VAULT_CHECK_LIST_PAGE', 200),
  /** Revokes raced (Postgres only): each against checks running on a second hub. */
  raceRounds: fromEnv('VAULT_CHECK_RACE_ROUNDS', 200),
  /** Checks kept running at once on the second hub during each revoke (two more go through the 1-second cache). */
  raceCheckers: fromEnv('VAULT_CHECK_RACE_CHECKERS', 4),
};
const WARM_UP = 200;
const GOAL_P99_MS = 1;
const ANCHOR = 'recursive_cte_check';
const LIST_ANCHOR = 'check_each_child';
/** Checks each racing checker starts after the revoke returned, before the round ends. */
const CHECKS_AFTER_REVOKE = 5;

/** Every child of the folder, in the listing's order, with no permission in the query: the listing's anchor checks each. */
const ALL_CHILDREN = `
SELECT id FROM vault_nodes WHERE parent_id = $1::uuid AND state = 'ACTIVE'
ORDER BY (kind = 'DOCUMENT'), lower(name), id`;

/** Fisher–Yates, in place, with the run's seeded random: every order equally likely (a random comparator is not). */
function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/**
 * The anchor: the same question answered the textbook way — walk up `parent_id` with a recursive CTE from the node to
 * the root, then the highest grant on those nodes to the caller's subjects (groups read in the same statement).
 */
const RECURSIVE_CTE_CHECK = `
WITH RECURSIVE up(id, parent_id) AS (
  SELECT id, parent_id FROM vault_nodes WHERE id = $3::uuid AND state = 'ACTIVE'
  UNION ALL
  SELECT n.id, n.parent_id FROM vault_nodes n JOIN up ON n.id = up.parent_id
), subj AS (
  SELECT s FROM unnest($1::text[]) AS s
  UNION SELECT 'group:' || m.group_id::text FROM vault_group_members m WHERE m.user_id = $2::text
)
SELECT coalesce(max(g.level), 0)::int AS level FROM up JOIN vault_grants g ON g.node_id = up.id JOIN subj ON subj.s = g.subject`;

const person = (id: string): Principal => ({ kind: 'user', userId: id as never, role: 'ASSOCIATE', storeId: null });

/** A read-through cache with a time to live, the kind a check service adds for speed: put in front of some racing checks. */
class TtlCache {
  readonly #m = new Map<string, { level: number; at: number }>();
  constructor(readonly ttlMs: number) {}
  async get(key: string, load: () => Promise<number>): Promise<number> {
    const hit = this.#m.get(key);
    if (hit && performance.now() - hit.at < this.ttlMs) return hit.level;
    const level = await load();
    this.#m.set(key, { level, at: performance.now() });
    return level;
  }
}

export async function runVaultCheck(o: typeof VAULT_CHECK_DEFAULTS): Promise<Figure[]> {
  const target = benchTargets[0]!;
  return withDb(target, async (place) => {
    const { modules, context } = await modulesKeepingContext('vault');
    const hub = await createHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', mode: 'test', ...place, modules });
    let replica: Hub | undefined;
    try {
      await hub.start();
      const { acl } = vaultParts(context());
      const db = hub.db;
      const data = await loadVaultTree(db, o, (line) => console.error(line));
      console.error(
        `  loaded ${data.tuples.toLocaleString('en-GB')} grant tuples (${data.memberships.toLocaleString('en-GB')} group memberships) over ${data.folders.toLocaleString('en-GB')} folders and ${data.documents.toLocaleString('en-GB')} documents in ${data.loadS.toFixed(1)} s on ${target.name}`,
      );
      const busy = () => `load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`;

      // the checks: half on a document a person may read through a folder above it, half of anyone on any node
      const random = seededRandom('vault-check asks');
      const reached = (
        await db.query<{ subject: string; id: string }>(
          `SELECT d.id, (
             SELECT g.subject FROM unnest(d.ancestors) AS a(id) JOIN vault_grants g ON g.node_id = a.id
             WHERE g.subject LIKE 'user:%' ORDER BY g.subject LIMIT 1
           ) AS subject
           FROM vault_nodes d WHERE d.kind = 'DOCUMENT' ORDER BY hashint8(hashtext(d.id::text)) LIMIT $1`,
          [Math.ceil(o.checks / 2)],
        )
      ).rows
        .filter((r) => r.subject !== null)
        .map((r) => ({ user: r.subject.slice(5), node: r.id }));
      const anyNodes = (
        await db.query<{ id: string }>('SELECT id FROM vault_nodes ORDER BY hashint8(hashtext(id::text)) LIMIT $1', [
          o.checks - reached.length,
        ])
      ).rows.map((r) => r.id);
      const asks = shuffle(
        [...reached, ...anyNodes.map((node) => ({ user: userId(Math.floor(random() * o.users)), node }))],
        random,
      );

      for (const a of asks.slice(0, WARM_UP)) await acl.level(db, person(a.user), a.node);
      const ms: number[] = [];
      const ours: number[] = [];
      for (const a of asks) {
        const t = performance.now();
        ours.push(await acl.level(db, person(a.user), a.node));
        ms.push(performance.now() - t);
      }
      const anchorMs: number[] = [];
      let mismatches = 0;
      for (const a of asks.slice(0, WARM_UP))
        await db.query(RECURSIVE_CTE_CHECK, [acl.subjectsOf(person(a.user)), a.user, a.node]);
      for (const [i, a] of asks.entries()) {
        const t = performance.now();
        const { rows } = await db.query<{ level: number }>(RECURSIVE_CTE_CHECK, [
          acl.subjectsOf(person(a.user)),
          a.user,
          a.node,
        ]);
        anchorMs.push(performance.now() - t);
        if (Number(rows[0]?.level ?? 0) !== ours[i]) mismatches++;
      }
      const allowed = ours.filter((l) => l > 0).length;
      const [p50, p99] = [percentile(ms, 50), percentile(ms, 99)];
      const [a50, a99] = [percentile(anchorMs, 50), percentile(anchorMs, 99)];
      check(mismatches === 0, `${mismatches} of ${asks.length} checks answered differently by the recursive CTE`);
      console.error(
        `  check: p50 ${p50.toFixed(3)} ms p99 ${p99.toFixed(3)} ms (goal p99 < ${GOAL_P99_MS} ms: ${p99 < GOAL_P99_MS ? 'met' : 'MISSED'}); recursive CTE p50 ${a50.toFixed(3)} ms p99 ${a99.toFixed(3)} ms; ${allowed} of ${asks.length} allowed; ${mismatches} answers differ; ${busy()}`,
      );

      // listing: every page of a folder the lister cannot read, where `listed` documents are shared with them one by one
      const lister = person(data.lister);
      const listMs: number[] = [];
      const pageMs: number[] = [];
      let wrongListings = 0;
      for (let i = 0; i < o.listings + 3; i++) {
        const seen = new Set<string>();
        let after: string | null = null;
        const t = performance.now();
        for (let pages = 0; pages < 1_000; pages++) {
          const tp = performance.now();
          const page = await acl.children(db, lister, data.listFolder, { after, limit: o.listPage });
          if (i >= 3) pageMs.push(performance.now() - tp);
          for (const n of page.items) seen.add(n.id);
          if (!page.next) break;
          after = page.next;
        }
        if (i >= 3) listMs.push(performance.now() - t); // the first three warm the plan cache
        if (seen.size !== o.listed) wrongListings++;
      }
      check(wrongListings === 0, `${wrongListings} listings did not hold exactly the ${o.listed} documents shared`);
      const [l50, l99] = [percentile(listMs, 50), percentile(listMs, 99)];
      // the anchor, same folder and same run: every child fetched with no permission in the query, then each checked
      // with the per-node level check — what a listing built on a check service (one question per node) does
      const eachMs: number[] = [];
      let wrongAnchorListings = 0;
      for (let i = 0; i < o.listings + 3; i++) {
        const t = performance.now();
        const { rows: all } = await db.query<{ id: string }>(ALL_CHILDREN, [data.listFolder]);
        let visible = 0;
        for (const c of all) if ((await acl.level(db, lister, c.id)) > 0) visible++;
        if (i >= 3) eachMs.push(performance.now() - t);
        if (visible !== o.listed) wrongAnchorListings++;
      }
      check(
        wrongAnchorListings === 0,
        `${wrongAnchorListings} check-each listings did not find the ${o.listed} shared`,
      );
      const [e50, e99] = [percentile(eachMs, 50), percentile(eachMs, 99)];
      console.error(
        `  listing ${o.listed} visible of ${o.listed + o.listHidden} (pages of ${o.listPage}): p50 ${l50.toFixed(2)} ms p99 ${l99.toFixed(2)} ms; a page p99 ${percentile(pageMs, 99).toFixed(2)} ms; fetching all and checking each child: p50 ${e50.toFixed(2)} ms p99 ${e99.toFixed(2)} ms`,
      );

      // The race (Postgres only): hub A revokes while hub B — a second hub process's parts on its own pool, one database
      // — keeps checks running; an answer from a check that STARTED after A's revoke returned and still allows is
      // stale. Beside them, checks through a 1-second cache in front of B, in the same loop: the harness catching the
      // staleness a cache brings shows it can fail. PGlite has one connection in one process: nothing can overlap there.
      let race:
        | {
            rounds: number;
            after: number;
            afterCached: number;
            stale: number;
            staleCached: number;
            overlapping: number;
          }
        | undefined;
      if (!place.databaseUrl) {
        console.error(
          `  revoke-then-check race: not run on ${target.name} — one connection, so no check can run while a revoke commits; run with DATABASE_URL for it`,
        );
      } else {
        const second = await modulesKeepingContext('vault');
        replica = await createHub({
          port: 0,
          host: '127.0.0.1',
          logLevel: 'silent',
          mode: 'test',
          databaseUrl: place.databaseUrl,
          poolSize: o.raceCheckers + 4,
          modules: second.modules,
        });
        await replica.start();
        const aclB = vaultParts(second.context()).acl;
        const dbB = replica.db;
        const racer = uuidOf('bench-racer');
        // a person the check reads as a vault subject; sharing checks that the user exists
        await db.query(
          `INSERT INTO users (id, email, name, role, store_id, password_hash, created_at)
           VALUES ($1::uuid, 'racer@bench.test', 'Racer', 'STORE_MANAGER', $2::uuid, 'not-a-hash', 0)`,
          [racer, uuidOf('bench-store')],
        );
        const racerP: Principal = { kind: 'user', userId: racer as never, role: 'STORE_MANAGER', storeId: null };
        const head: Principal = {
          kind: 'user',
          userId: uuidOf('bench-head-office') as never,
          role: 'ADMIN',
          storeId: null,
        };
        const subject = `user:${racer}` as const;
        const raceRandom = seededRandom('vault-check race');
        const cache = new TtlCache(1_000);
        race = { rounds: 0, after: 0, afterCached: 0, stale: 0, staleCached: 0, overlapping: 0 };
        for (const [i, a] of asks.slice(0, o.raceRounds).entries()) {
          const node = a.node;
          await db.transaction((tx) => acl.grant(tx, { principal: head, origin: 'bench' }, node, subject, 'READ'));
          check((await aclB.level(dbB, racerP, node)) >= 1, `round ${i}: the share was not seen on hub B`);
          let calledAt = Number.POSITIVE_INFINITY; // when A's revoke was called
          let revokedAt = Number.POSITIVE_INFINITY; // when it returned
          let done = 0;
          let doneCached = 0;
          const answers: { startedAt: number; endedAt: number; allowed: boolean; cached: boolean }[] = [];
          const checker = async (cached: boolean) => {
            let startedAfter = 0;
            for (let k = 0; k < 100_000 && startedAfter < CHECKS_AFTER_REVOKE; k++) {
              const startedAt = performance.now();
              if (startedAt > revokedAt) startedAfter++;
              const load = () => aclB.level(dbB, racerP, node);
              // a cache hit answers without I/O: give the event loop a turn, as a cache across the network would
              if (cached) await new Promise((r) => setImmediate(r));
              const level = cached ? await cache.get(`${racer} ${node}`, load) : await load();
              answers.push({ startedAt, endedAt: performance.now(), allowed: level > 0, cached });
              if (cached) doneCached++;
              else done++;
            }
          };
          const revoker = async () => {
            // a random moment into the checks, with the cache filled before it
            const wait = 1 + Math.floor(raceRandom() * 20);
            for (let k = 0; k < 100_000 && (done < wait || doneCached < 1); k++)
              await new Promise((r) => setImmediate(r));
            calledAt = performance.now();
            try {
              await db.transaction((tx) => acl.revoke(tx, { principal: head, origin: 'bench' }, node, subject));
            } catch (err) {
              revokedAt = Number.NEGATIVE_INFINITY; // the checkers stop at once; the round fails with the revoke's error
              throw err;
            }
            revokedAt = performance.now();
          };
          await Promise.all([
            revoker(),
            ...Array.from({ length: o.raceCheckers }, () => checker(false)),
            checker(true),
            checker(true),
          ]);
          race.rounds++;
          for (const x of answers) {
            if (!x.cached && x.startedAt < revokedAt && x.endedAt > calledAt) race.overlapping++;
            if (x.startedAt <= revokedAt) continue;
            if (x.cached) {
              race.afterCached++;
              if (x.allowed) race.staleCached++;
            } else {
              race.after++;
              if (x.allowed) race.stale++;
            }
          }
        }
        check(race.stale === 0, `${race.stale} checks started after a returned revoke still allowed`);
        check(race.staleCached > 0, 'the 1-second cache never went stale: the race does not test what it claims');
        console.error(
          `  revoke-then-check race (hub A revokes, ${o.raceCheckers} checks at a time on hub B): ${race.rounds} rounds, ${race.overlapping} checks (not cached) in flight while a revoke was committing; of ${race.after} checks started after a revoke returned, ${race.stale} allowed; through a 1-second cache, ${race.staleCached} of ${race.afterCached} allowed`,
        );
      }

      const base = { bench: 'vault-check', db: target.name } as const;
      const n = asks.length;
      return [
        { ...base, metric: 'load_s', value: round(data.loadS, 1), unit: 's', n: data.tuples },
        { ...base, metric: 'tuples', value: data.tuples, unit: 'grants', n: data.tuples },
        { ...base, metric: 'check_p50_ms', value: round(p50, 3), unit: 'ms', n },
        against({ ...base, metric: 'check_p99_ms', value: round(p99, 3), unit: 'ms', n }, ANCHOR, a99, false),
        { ...base, metric: 'anchor_check_p50_ms', value: round(a50, 3), unit: 'ms', n },
        { ...base, metric: 'anchor_check_p99_ms', value: round(a99, 3), unit: 'ms', n },
        { ...base, metric: 'check_p99_vs_recursive_cte', value: round(a99 / p99, 2), unit: '×', n },
        { ...base, metric: 'check_p50_vs_recursive_cte', value: round(a50 / p50, 2), unit: '×', n },
        { ...base, metric: 'check_mismatches', value: mismatches, unit: 'answers', n },
        { ...base, metric: 'list_p50_ms', value: round(l50, 2), unit: 'ms', n: listMs.length },
        against(
          { ...base, metric: 'list_p99_ms', value: round(l99, 2), unit: 'ms', n: listMs.length },
          LIST_ANCHOR,
          e99,
          false,
        ),
        { ...base, metric: 'anchor_list_p50_ms', value: round(e50, 2), unit: 'ms', n: eachMs.length },
        { ...base, metric: 'anchor_list_p99_ms', value: round(e99, 2), unit: 'ms', n: eachMs.length },
        { ...base, metric: 'list_p99_vs_check_each', value: round(e99 / l99, 2), unit: '×', n: listMs.length },
        ...(race
          ? [
              { ...base, metric: 'race_checks_in_flight', value: race.overlapping, unit: 'checks', n: race.rounds },
              { ...base, metric: 'stale_answers', value: race.stale, unit: 'answers', n: race.after },
              {
                ...base,
                metric: 'stale_answers_with_1s_cache',
                value: race.staleCached,
                unit: 'answers',
                n: race.afterCached,
              },
            ]
          : []),
      ];
    } finally {
      await replica?.stop();
      await hub.stop();
    }
  });
}

/**
 * `vault-check`: the vault's permission check at issue #22's size — 1,000,000 grant tuples (VAULT_CHECK_TUPLES) on a
 * tree 10 folders deep (VAULT_CHECK_DEPTH) with people in vault groups — on Postgres when DATABASE_URL names one.
 * p50/p99 of `VaultAcl.level` (the service, its real SQL: one statement reading the node's `ancestors` array and the
 * grant index) against the same checks by a recursive CTE walking up `parent_id` (the anchor, same run, same answers
 * required); p50/p99 of listing 1,000 documents each shared alone inside a folder the lister cannot read, every page;
 * against fetching every child and checking each (the listing's anchor, same run); and, on Postgres only, a revoke on
 * one hub raced by checks running on a second hub on the same database: answers from checks started after the revoke
 * returned that still allow must be 0, while checks through a 1-second cache in the same loop do go stale (the race
 * shown able to fail). PGlite has one connection, so the race is not run there.
 */
export const vaultCheckBench: Benchmark = {
  name: 'vault-check',
  description:
    'vault permission check and listing at 1M grant tuples, 10 deep: p50/p99 against a recursive-CTE walk up parent_id, listing against check-each-child, both in the same run; revoke on one hub raced by checks on another (Postgres only; stale answers must be 0, a 1-second cache in the same loop shown stale). Published, not measured here: SpiceDB 5.76 ms p95; an embedded SpiceDB took 1.27 s p50 at 1.2M tuples on this machine',
  run: () => runVaultCheck(VAULT_CHECK_DEFAULTS),
};
