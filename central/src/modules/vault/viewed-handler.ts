import { vaultViewedSchema, type VaultViewed } from '@storefleet/shared';
import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { VaultParts } from './index.js';
import { VaultStoreFeedRepository } from './store-feed-repository.js';
import type { VaultAuditInput } from './types.js';

/**
 * `vault.viewed` from a store (lane: store side): an audit VIEW line for a document opened at the store, by
 * `store:<id>` from its device, with whether the store's copy was read offline. A store resends events it is not sure
 * the hub took: each viewId counts once per store (`vault_store_views`). A payload that breaks the schema is refused
 * alone (parked with the reason); the rest of the run is audited, in one `appendMany` (one take of the trail's lock
 * and one insert, however many views the run holds).
 */
export function vaultViewedHandler(parts: VaultParts, ctx: HubContext): EventHandler {
  return async (tx, events) => {
    const rejected: { seq: number; reason: string }[] = [];
    const good: { origin: string; view: VaultViewed }[] = [];
    for (const e of events) {
      const parsed = vaultViewedSchema.safeParse(e.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        rejected.push({
          seq: e.seq,
          reason: `vault.viewed: ${issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : 'not a view'}`,
        });
        continue;
      }
      good.push({ origin: e.origin, view: parsed.data });
    }
    const first = await new VaultStoreFeedRepository(tx).firstViews(
      good.map((g) => ({ storeId: g.origin, viewId: g.view.viewId })),
      ctx.now(),
    );
    const counted = new Set<string>();
    const lines: VaultAuditInput[] = [];
    for (const { origin, view } of good) {
      const key = `${origin} ${view.viewId}`;
      if (!first.has(key) || counted.has(key)) continue; // told before (a resend), or twice in this run
      counted.add(key);
      lines.push({
        actor: `store:${origin}`,
        action: 'VIEW',
        nodeId: view.documentId,
        versionId: view.versionId,
        origin: view.device,
        detail: { offline: view.offline, viewId: view.viewId, viewedAt: view.at },
      });
    }
    // the run's lines in one append, the handler's last statement: the trail's lock is taken once per run
    await parts.audit.appendMany(tx, lines);
    return rejected.length ? { rejected } : undefined;
  };
}
