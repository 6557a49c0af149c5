// The registry's console page (`#/registry`, issue #23; head office): what the registry stores and what deduplication
// saves, its repositories (filter by name, sizes), a repository's tags with their scans and its quota and pull policy,
// garbage-collection runs, releases and which store runs which, and the mirror's progress.
import { h, say, table, when } from '/console/lib.js';
import { gcSection, mirrorSection, releasesSection } from './registry-ops.js';
import { bytes, bytesOfMib, mibOf, newKey, scanCell, shortDigest } from './registry-words.js';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const enc = (name) => encodeURIComponent(name);

function statsSection(api) {
  const message = h('div');
  const facts = h('div');
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'reg-stats-title' },
    h('h2', { id: 'reg-stats-title' }, 'Storage and deduplication'),
    message,
    facts,
  );
  (async () => {
    try {
      const s = await api('GET', '/api/registry/stats');
      const row = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
      facts.replaceChildren(
        h(
          'dl',
          { class: 'facts', id: 'reg-stats' },
          row('Stored (each blob once)', bytes(s.storedBytes)),
          row('As pushed (per repository)', bytes(s.pushedBytes)),
          row('Saved by deduplication', `${bytes(s.savedBytes)} (${s.dedupRatio.toFixed(2)}×)`),
          row('Repositories', String(s.repositories)),
          row('Tags', String(s.tags)),
          row('Blobs', `${s.blobs} stored, ${s.links} linked`),
        ),
      );
    } catch (err) {
      say(message, new Error(`The registry's totals cannot be shown: ${err.message}`));
    }
  })();
  return el;
}

/** One repository: its quota and policy editor, and its tags with sizes and scans. */
function repositorySection(api, name, onSaved) {
  const message = h('div');
  const body = h('div');
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'reg-repo-title' },
    h('h2', { id: 'reg-repo-title' }, `Repository ${name}`),
    message,
    body,
  );
  (async () => {
    let repo;
    try {
      repo = await api('GET', `/api/registry/repositories/${enc(name)}`);
    } catch (err) {
      say(message, new Error(`Repository ${name} cannot be shown: ${err.message}`));
      return;
    }
    const quota = h('input', {
      id: 'reg-quota',
      type: 'number',
      min: '0',
      step: 'any',
      inputmode: 'decimal',
      value: mibOf(repo.quotaBytes),
      placeholder: 'the hub’s default',
    });
    const policy = h(
      'select',
      { id: 'reg-policy' },
      h('option', { value: '', selected: repo.blockSeverity === null }, 'never block pulls'),
      SEVERITIES.map((s) =>
        h('option', { value: s, selected: repo.blockSeverity === s }, `block pulls at ${s.toLowerCase()} or worse`),
      ),
    );
    const form = h(
      'form',
      { class: 'filters', 'aria-label': `Quota and pull policy of ${name}` },
      h('div', {}, h('label', { for: 'reg-quota' }, 'Quota (MiB)'), quota),
      h('div', {}, h('label', { for: 'reg-policy' }, 'Pull policy'), policy),
      h('button', { type: 'submit' }, 'Save quota and policy'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const quotaBytes = bytesOfMib(quota.value);
      if (Number.isNaN(quotaBytes)) return say(message, new Error('The quota is a number of MiB, or empty for none.'));
      try {
        const saved = await api(
          'PATCH',
          `/api/registry/repositories/${enc(name)}`,
          { quotaBytes, blockSeverity: policy.value || null },
          { 'Idempotency-Key': newKey() },
        );
        say(
          message,
          null,
          `Saved: quota ${saved.quotaBytes === null ? 'the hub’s default' : bytes(saved.quotaBytes)}, ${
            saved.blockSeverity
              ? `pulls blocked at ${saved.blockSeverity.toLowerCase()} or worse`
              : 'pulls never blocked'
          }.`,
        );
        onSaved();
      } catch (err) {
        say(message, err);
      }
    });
    body.replaceChildren(
      h('p', {}, `${bytes(repo.bytes)} in ${repo.manifests} manifests, ${repo.tags} tags.`),
      form,
      table(`Tags of ${name}, newest push first`, ['Tag', 'Digest', 'Size', 'Pushed', 'Scan'], repo.tagList, (t) => [
        t.tag,
        shortDigest(t.digest),
        bytes(t.size),
        when(t.pushedAt),
        scanCell(t.scan, t.digest),
      ]),
    );
  })();
  return el;
}

export default {
  async render({ el, api, params, navigate }) {
    const q = params.get('q') ?? '';
    const chosen = params.get('repo');
    const input = h('input', { id: 'reg-q', value: q, autocomplete: 'off', placeholder: 'e.g. releases/' });
    const filter = h(
      'form',
      { class: 'filters' },
      h('div', {}, h('label', { for: 'reg-q' }, 'Name starts with'), input),
      h('button', { type: 'submit' }, 'Show repositories'),
    );
    filter.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('registry', input.value.trim() ? { q: input.value.trim() } : undefined);
    });
    const message = h('div');
    const list = h('div');
    const more = h('button', { type: 'button', hidden: true }, 'Show more repositories');
    const rows = [];
    let next = null;
    const draw = () =>
      list.replaceChildren(
        table(
          q ? `Repositories whose name starts with “${q}”` : 'Repositories',
          ['Name', 'Tags', 'Size', 'Quota', 'Pull policy', 'Updated'],
          rows,
          (r) => [
            h('a', { href: `#/registry?${new URLSearchParams({ ...(q ? { q } : {}), repo: r.name })}` }, r.name),
            String(r.tags),
            bytes(r.bytes),
            r.quotaBytes === null ? 'default' : bytes(r.quotaBytes),
            r.blockSeverity ? `block ${r.blockSeverity.toLowerCase()}+` : 'never block',
            when(r.updatedAt),
          ],
        ),
      );
    const loadPage = async (reset) => {
      try {
        const p = new URLSearchParams({ limit: '50', ...(q ? { q } : {}), ...(!reset && next ? { after: next } : {}) });
        const page = await api('GET', `/api/registry/repositories?${p}`);
        if (reset) rows.length = 0;
        rows.push(...page.items);
        next = page.next;
        more.hidden = !next;
        draw();
      } catch (err) {
        say(message, new Error(`Repositories cannot be shown: ${err.message}`));
      }
    };
    more.addEventListener('click', () => loadPage(false));
    const reposCard = h(
      'section',
      { class: 'card', 'aria-labelledby': 'reg-repos-title' },
      h('h2', { id: 'reg-repos-title' }, 'Repositories'),
      filter,
      message,
      list,
      h('div', { class: 'actions' }, more),
    );
    el.append(
      statsSection(api),
      reposCard,
      chosen ? repositorySection(api, chosen, () => loadPage(true)) : '',
      gcSection(api),
      releasesSection(api),
      mirrorSection(api),
    );
    await loadPage(true);
  },
};
