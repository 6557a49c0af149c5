// The registry page's operations sections: garbage-collection runs (and "Collect garbage now"), releases and which
// store runs which, and the mirror's progress. Each loads on its own and says so plainly when its call fails.
import { h, say, table, when } from '/console/lib.js';
import { badge, bytes, newKey, shortDigest } from './registry-words.js';

function section(id, title) {
  const message = h('div');
  const body = h('div');
  const el = h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), message, body);
  return { el, message, body };
}

/** Garbage-collection runs, newest first, and the button that starts one. */
export function gcSection(api) {
  const s = section('reg-gc-title', 'Garbage collection');
  const button = h('button', { type: 'button' }, 'Collect garbage now');
  const load = async () => {
    try {
      const { runs } = await api('GET', '/api/registry/gc/runs?limit=10');
      s.body.replaceChildren(
        table(
          'Recent collections, newest first',
          ['Started', 'By', 'State', 'Kept', 'Removed', 'Freed', 'Uploads dropped'],
          runs,
          (r) => [
            when(r.startedAt),
            r.trigger === 'ADMIN' ? 'an admin' : 'schedule',
            badge(r.state),
            String(r.marked),
            String(r.sweptBlobs),
            bytes(r.sweptBytes),
            String(r.droppedUploads),
          ],
        ),
        h('div', { class: 'actions' }, button),
      );
    } catch (err) {
      say(s.message, new Error(`Garbage-collection runs cannot be shown: ${err.message}`));
    }
  };
  button.addEventListener('click', async () => {
    try {
      await api('POST', '/api/registry/gc/runs', undefined, { 'Idempotency-Key': newKey() });
      say(s.message, null, 'A collection started; blobs no manifest references and past the grace period go.');
    } catch (err) {
      say(s.message, err);
    }
    await load();
  });
  load();
  return s.el;
}

/** Releases announced to stores; choosing one lists the stores and what each reported. */
export function releasesSection(api) {
  const s = section('reg-rel-title', 'Releases to stores');
  const stores = h('div');
  const showStores = async (rel) => {
    try {
      const { items } = await api('GET', `/api/registry/releases/${rel.id}/stores?limit=200`);
      stores.replaceChildren(
        table(
          `Stores for ${rel.repository}:${rel.tag} (${rel.track})`,
          ['Store', 'State', 'Detail', 'Bytes', 'Reported'],
          items,
          (x) => [
            `${x.code} — ${x.name}`,
            badge(x.state),
            x.otherRelease ? `runs another release (${x.otherRelease.state.toLowerCase()})` : x.detail || '—',
            bytes(x.bytes),
            when(x.reportedAt),
          ],
        ),
      );
    } catch (err) {
      say(s.message, new Error(`The stores of this release cannot be shown: ${err.message}`));
    }
  };
  (async () => {
    try {
      const { items } = await api('GET', '/api/registry/releases?limit=20');
      s.body.replaceChildren(
        table(
          'Releases, newest first (choose one to see its stores)',
          ['Announced', 'Track', 'Artefact', 'Digest', 'Size', 'Stores'],
          items,
          (r) => [
            when(r.announcedAt),
            r.track,
            `${r.repository}:${r.tag}${r.withdrawn ? ' (withdrawn)' : ''}`,
            shortDigest(r.digest),
            bytes(r.size),
            r.states
              ? Object.entries(r.states)
                  .filter(([, n]) => n > 0)
                  .map(([k, n]) => `${n} ${k.toLowerCase()}`)
                  .join(', ') || `${r.stores ?? 0}`
              : String(r.stores ?? '—'),
          ],
          showStores,
        ),
        stores,
      );
    } catch (err) {
      say(s.message, new Error(`Releases cannot be shown: ${err.message}`));
    }
  })();
  return s.el;
}

/** The mirror: what it mirrors, its runs and per-tag state; "Mirror now" when it is configured. */
export function mirrorSection(api) {
  const s = section('reg-mirror-title', 'Mirror of another registry');
  const button = h('button', { type: 'button' }, 'Mirror now');
  const load = async () => {
    try {
      const m = await api('GET', '/api/registry/mirror');
      if (!m.configured) {
        s.body.replaceChildren(h('p', {}, 'This hub mirrors no other registry (REGISTRY_MIRROR_OF is not set).'));
        return;
      }
      const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
      s.body.replaceChildren(
        h(
          'dl',
          { class: 'facts' },
          row('Source', m.source.url),
          row('Signs in as', m.source.username),
          row('Repositories', m.source.repositories.length ? m.source.repositories.join(', ') : 'all'),
          row('Copied in all', bytes(m.bytesCopied)),
        ),
        table(
          'Mirror runs, newest first',
          ['Started', 'State', 'Manifests', 'Blobs copied', 'Blobs already here', 'Bytes', 'Detail'],
          m.runs,
          (r) => [
            when(r.startedAt),
            badge(r.state),
            String(r.manifestsCopied),
            String(r.blobsCopied),
            String(r.blobsSkipped),
            bytes(r.bytesCopied),
            r.detail ?? '—',
          ],
        ),
        table('Tags mirrored', ['Repository', 'Tag', 'Digest', 'State', 'Bytes', 'Updated'], m.tags, (x) => [
          x.repository,
          x.tag,
          shortDigest(x.digest),
          badge(x.state),
          bytes(x.bytesCopied),
          when(x.updatedAt),
        ]),
        h('div', { class: 'actions' }, button),
      );
      button.disabled = m.running;
    } catch (err) {
      say(s.message, new Error(`The mirror's progress cannot be shown: ${err.message}`));
    }
  };
  button.addEventListener('click', async () => {
    try {
      await api('POST', '/api/registry/mirror/runs', undefined, { 'Idempotency-Key': newKey() });
      say(s.message, null, 'A mirror run started.');
    } catch (err) {
      say(s.message, err);
    }
    await load();
  });
  load();
  return s.el;
}
