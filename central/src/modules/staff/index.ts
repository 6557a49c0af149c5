import { Gauge } from 'prom-client';
import { staffAuditSchema, type StaffAuditEntry } from '@storefleet/shared';
import { BoundedBatchQueue } from '../../kernel/edge/admin-audit.js';
import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { ADMIN_AUDIT, type AdminAction, STAFF_DIRECTORY, STAFF_ROSTER_HOOKS } from '../../kernel/ports/staff.js';
import { StaffRepository } from './repository.js';
import { staffRoutes } from './routes.js';
import { StaffService } from './service.js';

export type { AdminActionRow, RosterPerson, StaffAuditRow } from './types.js';
export { StaffService, weakPinReason } from './service.js';

/** Most admin actions waiting to be written before new ones are dropped (and counted). */
export const ADMIN_QUEUE_MAX = 1_000;

interface StaffState {
  readonly service: StaffService;
  readonly adminActions: BoundedBatchQueue<AdminAction>;
}

// One state per hub (several hubs may share this module object in a process): the service and the audit's queue.
const states = new WeakMap<HubContext, StaffState>();
export function staffState(ctx: HubContext): StaffState {
  let s = states.get(ctx);
  if (!s) {
    const adminActions = new BoundedBatchQueue<AdminAction>(
      (batch) => new StaffRepository(ctx.db).insertAdminActions(batch),
      ctx.log,
      'admin audit',
      ADMIN_QUEUE_MAX,
    );
    s = {
      service: new StaffService({
        db: ctx.db,
        feed: ctx.feed,
        now: ctx.now,
        log: ctx.log,
        directory: () => ctx.services.get(STAFF_DIRECTORY),
      }),
      adminActions,
    };
    states.set(ctx, s);
    new Gauge({
      name: 'staff_admin_actions_dropped',
      help: 'Admin actions dropped since start because more than 1,000 waited to be written',
      registers: [ctx.metrics],
      collect() {
        this.set(adminActions.counts().dropped);
      },
    });
  }
  return s;
}

/**
 * Staff at the store (issue #27): lane PINs (hashed) and each store's roster through its feed, the lanes' audit the
 * stores upload (`staff.audit`), and the audit of writes people make through the hub's API (ADMIN_AUDIT, fed by the
 * edge's `adminAuditTrail`). Console pages: Audit, Staff PINs.
 */
export const hubModule: HubModule = {
  name: 'staff',
  migrations: new URL('./schema/', import.meta.url),
  needs: [STAFF_DIRECTORY],
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [
      { path: 'staff-audit', title: 'Audit', script: 'audit.js', roles: ['ADMIN', 'STORE_MANAGER'] },
      { path: 'staff-pins', title: 'Staff PINs', script: 'pins.js', roles: ['ADMIN', 'STORE_MANAGER'] },
    ],
  },
  routes: (ctx) => staffRoutes(staffState(ctx).service),
  provides: (ctx) => [
    provide(STAFF_ROSTER_HOOKS, { personChanged: (userId) => staffState(ctx).service.personChanged(userId) }),
    provide(ADMIN_AUDIT, { record: (action) => staffState(ctx).adminActions.push(action) }),
  ],
  eventHandlers: (ctx) => ({
    'staff.audit': async (tx, events) => {
      const rejected: { seq: number; reason: string }[] = [];
      const valid: StaffAuditEntry[] = [];
      for (const e of events) {
        const parsed = staffAuditSchema.safeParse(e.payload);
        if (parsed.success) valid.push(parsed.data);
        else {
          const issue = parsed.error.issues[0];
          rejected.push({
            seq: e.seq,
            reason: `invalid payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
          });
        }
      }
      // a run is one store's; a row already kept (the same audit id, redelivered) is left as it is
      if (valid.length) await new StaffRepository(tx).insertAudit(events[0]!.origin, valid, ctx.now());
      return { rejected };
    },
  }),
  // A store starting from scratch gets its roster as it stands (one row: the roster), before its feed's next entry.
  bootstrap: (ctx) => ({
    staff: {
      count: async () => 1,
      async page(q, storeId, after) {
        if (after !== null) return { rows: [], next: null };
        return { rows: [await staffState(ctx).service.bootstrapRoster(q, storeId)], next: null };
      },
    },
  }),
  async stop(ctx) {
    await states.get(ctx)?.adminActions.flush();
  },
};
