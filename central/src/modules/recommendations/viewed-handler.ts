import { checkEventPayload, type RecsViewed } from '@storefleet/shared';
import type { AppliedEvent, EventHandler, HandlerResult } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import { CUSTOMER_DIRECTORY } from '../../kernel/ports/customers.js';
import { InteractionsRepository } from './interactions-repository.js';
import { kioskSession } from './session.js';
import type { Interaction } from './types.js';

/** Interactions one insert writes at most (the repository refuses more than 1,000); a run of 2,000 views is split. */
const PER_INSERT = 500;

/**
 * `recs.viewed` (store → hub): a product looked at on a store's kiosk, recorded as a VIEW interaction (source 'kiosk',
 * `sourceRef` the view's id, so a resent event counts once) at the store that sent it, with the kiosk session.
 *
 * A payload that does not conform is refused alone (parked with the reason), its neighbours apply. The customer a
 * view names is the store's word only: a store could name anyone's id and so steer another customer's
 * recommendations. It is kept only when the customer exists and is linked to that store (CUSTOMER_DIRECTORY — a
 * store that signed them up, worked on their cart or fulfils their orders; a kiosk opens a cart by their card, which
 * links it); otherwise the view is recorded anonymous (it still counts for popularity and the session). Without a
 * customers module every view is anonymous. The time is the store's, but never later than the hub's now. A view of a
 * product the catalog does not hold is dropped. The session and view ids are stored under the sending store (the
 * session as `store:<id>:<session>`, what that store's own requests read back), so stores' ids never meet.
 */
export function recsViewedHandler(ctx: HubContext): EventHandler {
  return async (tx, events: readonly AppliedEvent[]): Promise<HandlerResult> => {
    const rejected: { seq: number; reason: string }[] = [];
    const views: { origin: string; view: RecsViewed }[] = [];
    for (const e of events) {
      const checked = checkEventPayload('recs.viewed', e.payload);
      if (checked.ok) views.push({ origin: e.origin, view: checked.data });
      else rejected.push({ seq: e.seq, reason: checked.reason });
    }
    // Each (customer, store) pair is asked once a run, in the apply transaction (PGlite has one connection).
    const directory = ctx.services.find(CUSTOMER_DIRECTORY);
    const linked = new Map<string, Promise<boolean>>();
    const known = (customerId: string, storeId: string): Promise<boolean> => {
      if (!directory) return Promise.resolve(false);
      const pair = `${storeId} ${customerId}`;
      let answer = linked.get(pair);
      if (!answer) {
        answer = directory.isLinked(customerId, storeId, tx);
        linked.set(pair, answer);
      }
      return answer;
    };
    // only products the catalog holds are recorded: a store's made-up skus would fill the table and the popular lists
    const catalog = ctx.services.find(CATALOG_PRODUCTS);
    const held = catalog ? await catalog.many([...new Set(views.map((v) => v.view.sku))], tx) : new Map();
    const now = ctx.now();
    const interactions: Interaction[] = [];
    for (const { origin, view } of views) {
      if (!held.has(view.sku)) continue;
      const customerId = view.customerId !== null && (await known(view.customerId, origin)) ? view.customerId : null;
      interactions.push({
        customerId,
        // the session and the view id are the sending store's own: another store naming the same ids reaches neither
        sessionId: kioskSession(origin, view.sessionId),
        sku: view.sku,
        kind: 'VIEW',
        storeId: origin,
        source: 'kiosk',
        sourceRef: `${origin}:${view.viewId}`,
        at: Math.min(view.at, now),
      });
    }
    const repo = new InteractionsRepository(tx);
    for (let i = 0; i < interactions.length; i += PER_INSERT) await repo.record(interactions.slice(i, i + PER_INSERT));
    return { rejected };
  };
}
