// Parked events (a section of the Fleet page): what the hub could not apply, why, and a replay once a fix is deployed
// — per event, or every open event of a type. A replay applies an event once however often it is pressed.
import { h, say, showError, table, time } from '/console/lib.js';

/** Builds the section; `refresh()` reloads it (the Fleet page calls it when a store's parked count changes). */
export function parkedSection({ api, storeId, storeName }) {
  const message = h('div', { 'aria-live': 'polite' });
  const typesArea = h('div');
  const listArea = h('div');
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'parked-title' },
    h('h2', { id: 'parked-title' }, 'Parked events'),
    message,
    typesArea,
    listArea,
  );
  let busy = false;

  const replay = async (what, path, body) => {
    if (busy) return;
    busy = true;
    try {
      const r = await api('POST', path, body);
      if (r.outcome === 'applied') say(message, null, `${what} applied.`);
      else if (r.outcome === 'already-applied')
        say(message, null, `${what} was already applied (${time(r.resolvedAt)}); nothing was done again.`);
      else if (r.outcome === 'failed') say(message, new Error(`${what} failed again and stays parked: ${r.reason}`));
      else {
        const failed = r.failed
          ? ` ${r.failed} failed again and stay parked${r.failures[0] ? ` (first: ${r.failures[0].reason})` : ''}.`
          : '';
        say(
          message,
          r.failed ? new Error(`${r.applied} applied.${failed}`) : null,
          `${r.applied} ${r.type} events applied.`,
        );
      }
    } catch (err) {
      showError(message, err);
    } finally {
      busy = false;
      await load().catch((err) => showError(message, err));
    }
  };

  const load = async () => {
    const q = storeId ? `?storeId=${storeId}&limit=200` : '?limit=200';
    const { items, types } = await api('GET', `/api/sync/parked${q}`);
    typesArea.replaceChildren(
      types.length
        ? table('Open parked events by type (fleet-wide)', ['Type', 'Events', 'Stores', 'Replay'], types, (t) => [
            t.type,
            String(t.count),
            String(t.stores),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'aria-label': `Replay all ${t.count} parked ${t.type} events`,
                onclick: () => replay(`Replay of every ${t.type} event:`, '/api/sync/parked/replay', { type: t.type }),
              },
              `Replay all ${t.type}`,
            ),
          ])
        : h('p', {}, 'No parked events: everything the stores sent has been applied.'),
    );
    listArea.replaceChildren(
      table(
        storeId ? 'Parked events of this store' : 'Parked events, oldest first (the first 200)',
        ['Store', 'Seq', 'Type', 'Reason', 'Parked', 'Replays', 'Replay'],
        items,
        (p) => [
          storeName(p.storeId),
          String(p.seq),
          p.type,
          p.reason,
          time(p.parkedAt),
          String(p.replays ?? 0),
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'aria-label': `Replay event ${p.seq} of ${storeName(p.storeId)}`,
              onclick: () =>
                replay(
                  `Event ${p.seq} of ${storeName(p.storeId)}`,
                  `/api/sync/parked/${p.storeId}/${p.seq}/replay`,
                  {},
                ),
            },
            'Replay',
          ),
        ],
      ),
    );
  };

  /** Reloads the section; a failure shows in the section's alert area. */
  const refresh = () => load().catch((err) => showError(message, err));
  return { el: section, refresh };
}
