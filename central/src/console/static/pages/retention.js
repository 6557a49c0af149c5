// Retention (a section of the Fleet page): what the hub keeps of each sync and order table, what sweeps archived or
// removed, the archive months an operator may detach, the stores whose feed waits unacknowledged; a sweep on demand.
import { ago, h, say, showError, table, time } from '/console/lib.js';

const size = (bytes) =>
  bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${Math.round(bytes / 1e3)} kB`;
const rows = (n, estimated) => `${estimated ? '~' : ''}${n.toLocaleString()}`;
const SWEEP = {
  done: 'finished',
  stopped: 'stopped (the hub was stopping)',
  failed: 'failed',
  interrupted: 'interrupted (its hub process died)',
};

/** Builds the section; `refresh()` reloads it. */
export function retentionSection({ api }) {
  const message = h('div', { 'aria-live': 'polite' });
  const body = h('div');
  const run = h('button', { type: 'button', class: 'secondary' }, 'Run a sweep now');
  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'retention-title' },
    h('h2', { id: 'retention-title' }, 'Retention'),
    message,
    run,
    body,
  );

  const load = async () => {
    const s = await api('GET', '/api/sync/retention');
    const last = s.lastSweep;
    const sweepLine = s.running
      ? `A sweep is running (started ${ago(s.running.startedAt)}).`
      : last
        ? `Last sweep ${SWEEP[last.state] ?? last.state} ${ago(last.finishedAt)}${last.error ? `: ${last.error}` : ''}.`
        : 'No sweep has run yet.';
    const feed = s.tables.find((t) => t.table === 'sync_feed');
    const archives = s.tables.filter((t) => t.archive).flatMap((t) => t.archive.partitions);
    body.replaceChildren(
      h('p', {}, sweepLine),
      table(
        'What the hub keeps',
        ['Table', 'Rule', 'Rows', 'Oldest row', 'On disk', 'Archived or removed so far'],
        s.tables,
        (t) => [
          t.table,
          t.rule,
          rows(t.rows, t.rowsEstimated),
          time(t.oldestAt),
          size(t.bytes),
          t.movedTotal.toLocaleString(),
        ],
      ),
      table(
        'Archive months (detach, dump and drop one when it is no longer needed at hand)',
        ['Partition', 'From', 'Rows', 'On disk', 'Detachable'],
        archives,
        (p) => [
          p.name,
          time(p.from),
          rows(p.rows, p.rowsEstimated),
          size(p.bytes),
          p.detachable ? h('code', {}, p.detach) : 'not yet',
        ],
      ),
      feed?.waiting?.entries
        ? table(
            `Feed entries kept because their store has not acknowledged them (${feed.waiting.entries.toLocaleString()} for ${feed.waiting.stores} stores)`,
            ['Store', 'Entries', 'Waiting since', 'Last seen'],
            feed.waiting.worst,
            (w) => [
              w.code ? `${w.code} — ${w.name}` : w.storeId,
              w.entries.toLocaleString(),
              time(w.oldestAt),
              w.neverConnected ? 'never connected' : ago(w.lastSeenAt),
            ],
          )
        : h('p', {}, 'Every store has acknowledged its feed entries older than the retention age.'),
    );
  };

  run.addEventListener('click', async () => {
    run.disabled = true;
    try {
      const r = await api('POST', '/api/sync/retention/run', {});
      say(
        message,
        null,
        r.state === 'started'
          ? 'Sweep started; this section shows its progress.'
          : `A sweep is already running${r.startedAt ? ` (started ${ago(r.startedAt)})` : ''}.`,
      );
    } catch (err) {
      showError(message, err);
    } finally {
      run.disabled = false;
      await load().catch((err) => showError(message, err));
    }
  });

  /** Reloads the section; a failure shows in the section's alert area. */
  const refresh = () => load().catch((err) => showError(message, err));
  return { el: section, refresh };
}
