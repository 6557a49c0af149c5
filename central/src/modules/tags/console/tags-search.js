// Search (`#/tags`, second section): a tag query (tag:, path:, AND OR NOT, parentheses), its mistake said under the
// box with a caret at its place, the matching products a page at a time, the total, and facet counts that narrow
// the query when pressed (`AND path:…`). The current query and total feed the bulk job form.
import { h, say } from '/console/lib.js';
import { count, fetchJson, plural } from './tags-words.js';

const LIMIT = 25;

/** The caret line under the query: the query's line with `^` under the mistake (`length` wide, at least one). */
export function caretLine(q, position, length) {
  const at = Math.min(Math.max(0, position), q.length);
  const lineStart = q.lastIndexOf('\n', at - 1) + 1;
  const end = q.indexOf('\n', at);
  const line = q.slice(lineStart, end < 0 ? q.length : end).replace(/[\t\r]/g, ' ');
  const col = at - lineStart;
  return `${line}\n${' '.repeat(col)}${'^'.repeat(Math.max(1, Math.min(length || 1, line.length - col)))}`;
}

export function renderSearch(state) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'tg-search-title' });
  const input = h('input', {
    id: 'tg-q',
    type: 'search',
    class: 'tg-query',
    maxlength: 2000,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'tg-q-hint tg-q-error',
  });
  const errorArea = h('div', { id: 'tg-q-error', class: 'tg-q-error' });
  const form = h(
    'form',
    { role: 'search', 'aria-label': 'Search products by tag', class: 'tg-search-form' },
    h(
      'div',
      { class: 'tg-field tg-wide' },
      h('label', { for: 'tg-q' }, 'Tag query'),
      input,
      h(
        'span',
        { class: 'hint', id: 'tg-q-hint' },
        'e.g. smartphones AND NOT path:electronics.refurbished — tag:slug is the tag and those under it, path:a.b a subtree; AND, OR, NOT and parentheses.',
      ),
      errorArea,
    ),
    h('button', { type: 'submit', class: 'submit' }, 'Search'),
  );
  const message = h('div');
  const results = h('div', { class: 'tg-results' });
  /** The cursors of the pages before this one (`after` of each), so Previous goes back. */
  let cursors = [];
  let current = { q: '', facets: '', after: null };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(input.value, '', null, []);
  });

  async function run(q, facets, after, back) {
    say(message);
    errorArea.replaceChildren();
    input.removeAttribute('aria-invalid');
    const params = new URLSearchParams({ q, limit: String(LIMIT) });
    if (after) params.set('after', after);
    if (facets) params.set('facets', facets);
    const r = await fetchJson(`/api/tags/search?${params}`);
    if (!r.ok) {
      const detail = r.body.detail || r.body.title || `The search failed (${r.status}).`;
      const position = typeof r.body.position === 'number' ? r.body.position : Number(/ at (\d+)\n/.exec(detail)?.[1]);
      if (r.status === 422 && Number.isFinite(position)) {
        input.setAttribute('aria-invalid', 'true');
        const words = detail.split('\n')[0];
        errorArea.replaceChildren(
          h('p', { class: 'error', role: 'alert' }, /at \d+$/.test(words) ? words : `${words} at ${position}`),
          h('pre', { class: 'tg-caret', 'aria-hidden': 'true' }, caretLine(q, position, r.body.length ?? 1)),
        );
      } else {
        say(message, { message: r.retryAfter ? `${detail} Try again in ${r.retryAfter} s.` : detail });
      }
      state.setSearch(null);
      results.replaceChildren();
      return;
    }
    cursors = back;
    current = { q, facets, after };
    const page = r.body;
    state.setSearch({ q, canonical: page.query, total: page.total });
    draw(page);
  }

  function draw(page) {
    const from = cursors.length * LIMIT + 1;
    const to = cursors.length * LIMIT + page.items.length;
    const prev = h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 0 }, 'Previous page');
    const next = h('button', { type: 'button', class: 'secondary', disabled: !page.next }, 'Next page');
    prev.addEventListener('click', () => {
      const back = cursors.slice(0, -1);
      run(current.q, current.facets, cursors.at(-1) ?? null, back);
    });
    next.addEventListener('click', () => run(current.q, current.facets, page.next, [...cursors, current.after]));
    const facets = page.facets ?? [];
    results.replaceChildren(
      h(
        'p',
        { class: 'tg-total', role: 'status' },
        h('strong', {}, plural(page.total, 'product')),
        ' match ',
        h('code', {}, page.query),
        page.total ? ` — showing ${count(from)}–${count(to)}` : '',
      ),
      facets.length
        ? h(
            'div',
            { class: 'tg-facets' },
            h('h3', { id: 'tg-facets-title' }, 'Narrow by'),
            h(
              'ul',
              { class: 'tg-facet-list', 'aria-labelledby': 'tg-facets-title' },
              facets.map((f) =>
                h(
                  'li',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'secondary tg-facet',
                      disabled: f.count === 0,
                      'aria-label': `${f.name} (${f.path}): ${plural(f.count, 'product')} — narrow to it`,
                      onclick: () => {
                        const q = `(${current.q}) AND path:${f.path}`;
                        input.value = q;
                        run(q, f.path, null, []);
                      },
                    },
                    f.name,
                    ' ',
                    h('span', { class: 'badge' }, count(f.count)),
                  ),
                ),
              ),
            ),
          )
        : '',
      h(
        'table',
        { class: 'tg-products' },
        h('caption', {}, `Products matching ${page.query}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col' }, 'Sku'))),
        h(
          'tbody',
          {},
          page.items.length
            ? page.items.map((p) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('a', { href: `#/product?sku=${encodeURIComponent(p.sku)}` }, p.name ?? p.sku)),
                  h('td', { class: 'sku' }, p.sku),
                ),
              )
            : h('tr', {}, h('td', { colspan: 2, class: 'empty' }, 'No product matches.')),
        ),
      ),
      h('div', { class: 'actions' }, prev, next),
    );
  }

  section.append(h('h2', { id: 'tg-search-title' }, 'Search products by tag'), form, message, results);
  return section;
}
