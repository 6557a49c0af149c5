import type { Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { EventHandler } from './event-handlers.js';
import type { FeedWriter } from './feed-writer.js';
import type { Db, Queryable } from '../db/db.js';
import type { DocAccessRule, DocNamespaceRules } from '../sync/docs/doc-access.js';
import type { HubDocs } from '../sync/docs/hub-docs.js';
import type { SocketHandler } from './module-sockets.js';
import type { HubSettings, HubTestHooks } from './hub-settings.js';
import type { PortDeclarations, Provision, Services } from './ports.js';
import type { HubCredentials } from './credentials.js';
import type { Jobs } from './jobs/types.js';
import type { GraphqlContribution } from './graphql/types.js';

/**
 * The contract between the hub and its modules, in one place: what the hub hands a module (`HubContext`), what a
 * module offers (`HubModule`), and the types of what it offers (console pages, cold-start sections, document rules).
 * Modules import this folder (`kernel/`), `db/` and `@storefleet/shared` only (`central/tests/module-boundaries.test.ts`).
 */
export type { DocAccessRule, DocNamespaceRules, HubDocs, HubCredentials };
export type {
  Jobs,
  JobDefinition,
  JobHandle,
  JobRun,
  ScheduleOptions,
  EnqueueOptions,
} from './jobs/types.js';
export { LeaseLostError } from './jobs/types.js';
export type { GraphqlContext, GraphqlContribution, GraphqlErrorCode } from './graphql/types.js';

/** Who may open console pages: head office, or a store's manager (who sees their own store only). */
export type ConsoleRole = 'ADMIN' | 'STORE_MANAGER';

/**
 * A page of the admin console: a browser ES module whose default export renders into the page's element.
 *
 * The shell calls `render(ctx)` with `ctx = { el, api, live, params, navigate, me }`, where `me` is the signed-in
 * person `{ role, storeId, email, name, store }` (`store` = `{ storeId, code, name }` of a manager's store, else null).
 * A page open to `STORE_MANAGER` must scope every call to `me.storeId` when `me.role` is `STORE_MANAGER` (no store
 * picker; the store fixed), and every hub route it calls must let that store's manager in and keep other stores out.
 */
export interface ConsolePage {
  /** The page's address in the console (`#/inventory`). */
  readonly path: string;
  readonly title: string;
  /** The script's file name inside the module's console folder. */
  readonly script: string;
  /** Who sees the page in the menu (and may open it); `['ADMIN']` when left out. */
  readonly roles?: readonly ConsoleRole[];
}

/** What a module adds to the console: its folder of browser files and the pages in it. */
export interface ModuleConsole {
  readonly dir: URL;
  readonly pages: readonly ConsolePage[];
}

/**
 * One section of a store's cold start (the catalog, its stock, its own history): pages in a stable key order, so a
 * store that lost its connection halfway asks again from the last key it applied.
 */
export interface SnapshotSource {
  count(q: Queryable, storeId: string): Promise<number>;
  page(
    q: Queryable,
    storeId: string,
    after: string | null,
    limit: number,
  ): Promise<{ rows: unknown[]; next: string | null }>;
}

/** What the hub hands each module. */
export interface HubContext {
  readonly db: Db;
  readonly log: Logger;
  readonly metrics: Registry;
  /** The hub's clock (epoch ms); tests move it. */
  readonly now: () => number;
  /** Appends hub-owned changes to a store's feed, in the caller's transaction. */
  readonly feed: FeedWriter;
  /** Automerge documents (open, change, subscribe), with the access rules modules declare. */
  readonly docs: HubDocs;
  /** The services of the ports this module declared (`HubModule.needs`, `uses`), typed by the port (kernel/ports.ts). */
  readonly services: Services;
  /**
   * The hub's mode, tuning and named external parties, validated at start: modules read their settings here, never
   * from the environment.
   */
  readonly settings: HubSettings;
  /** Seams the test harness sets (empty in a real hub). */
  readonly testHooks: HubTestHooks;
  /** The hub's sign-in checks, for routes outside `/api` that authenticate callers themselves (`rootRoutes`). */
  readonly credentials: HubCredentials;
  /**
   * The hub's job runner, for jobs named `<module>.<job>`: define them and schedule the recurring ones in `start`
   * (one run per period across every hub process on the database), enqueue one-offs any time (kernel/jobs/).
   */
  readonly jobs: Jobs;
}

/**
 * A hub module: one folder under `central/src/modules/<name>/` whose `index.ts` exports `hubModule`. The hub finds
 * it at start, runs its migrations, mounts its routes under `/api`, and starts and stops it; nothing else in the hub
 * changes when a module is added. Modules do not import each other (flows across modules live in `workflows/`).
 */
export interface HubModule extends PortDeclarations {
  readonly name: string;
  /** The module's `schema/` folder of `NNN_name.sql` migrations. */
  readonly migrations?: URL;
  /** Routes, mounted under `/api` after authentication and idempotency. */
  routes?(ctx: HubContext): Router;
  /**
   * Routes of `routes` whose request body is a file streamed to the handler, not JSON (the vault's uploads): the hub
   * neither parses nor refuses their bodies by type; the route reads `req` as a stream and bounds it itself. Paths
   * are matched against the path under `/api` (`/vault/documents`).
   */
  readonly streamedBodies?: readonly { readonly method: 'POST' | 'PUT'; readonly path: RegExp }[];
  /**
   * Routes served at the hub's root under a prefix of the module's own (`{ '/v2': router }`, the OCI registry's API,
   * which clients expect at `/v2/`): no JSON parser, no session authentication, no idempotency layer, no problem+json
   * handler — the module authenticates (`ctx.credentials`), bounds bodies, keeps writes idempotent and answers errors
   * itself (problem+json, with whatever its protocol adds). A prefix is one lower-case segment, claimed once.
   */
  rootRoutes?(ctx: HubContext): Record<string, Router>;
  /** Handlers for event types uploaded by stores (`sale`, `stock.moved`…); a type belongs to one module only. */
  eventHandlers?(ctx: HubContext): Record<string, EventHandler>;
  /** Who may read/write the documents of each namespace this module owns (`cart` → its rule), and what they may hold. */
  readonly docAccess?: Record<string, DocAccessRule | DocNamespaceRules>;
  /** The ports this module fills (`[provide(INVENTORY_HOLDS, stockHolds)]`); `needs` and `uses` are the ones it asks for. */
  provides?(ctx: HubContext): readonly Provision[];
  /** Sections of a new store's cold start this module provides (`catalog` → its pages), fetched in module order. */
  bootstrap?(ctx: HubContext): Record<string, SnapshotSource>;
  /** WebSocket endpoints by path prefix under `/api/` (`/api/carts/` → live cart updates); authenticated like the API. */
  sockets?(ctx: HubContext): Record<string, SocketHandler>;
  /**
   * What this module adds to the hub's GraphQL schema at `/graphql` (issue #26): its types, the fields it adds to
   * others' (`extend type Product`), its resolvers. See `kernel/graphql/types.ts`.
   */
  graphql?(ctx: HubContext): GraphqlContribution;
  /** Pages this module adds to the admin console (browser ES modules in its `console/` folder). */
  readonly console?: ModuleConsole;
  /** Background work: define and schedule its jobs (`ctx.jobs`), subscriptions; called once after migrations. */
  start?(ctx: HubContext): Promise<void> | void;
  /** Stops what `start` began for this hub (several hubs may share one module object in a process). */
  stop?(ctx: HubContext): Promise<void> | void;
}
