// Browse and filter by tag (issue #20), on the kiosk and the handheld. The store node answers from its own copy of the
// hub's tags (GET /api/tags, GET /api/tags/products), so this works with the hub unreachable.
//
// Kiosk (`mode: 'kiosk'`): the root tags as large chips; tapping one narrows to it, shows its children as chips with
// their counts and the products carrying it (the page draws each product: `renderProduct`); a breadcrumb goes back.
// Handheld (`mode: 'handheld'`): the same chips plus a query box for the tag language (`tag:organic AND NOT
// tag:frozen`); a refusal shows the message and where in the query it is; results list sku, name and on hand.
import { h } from '/store.js';

const UNREACHABLE = 'This screen cannot reach the store node. Check the cable or Wi-Fi.';
/** A time a person reads: 10:42 today, else with its date. */
function when(ms) {
  const d = new Date(ms);
  const today = d.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(
    undefined,
    today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(d);
}
/** A count a person reads: 1,234. */
export const readable = (n) => new Intl.NumberFormat().format(n);
const products = (n) => `${readable(n)} ${n === 1 ? 'product' : 'products'}`;

/**
 * A GET on the store node keeping the problem's body: a 422 for a query carries `position` and `length`. A device that
 * is not paired goes to the pairing page, as with every other call (store.js `api`).
 */
async function get(path) {
  let res;
  try {
    res = await fetch(path, { credentials: 'same-origin' });
  } catch {
    throw new Error(UNREACHABLE);
  }
  const body = await res.json().catch(() => ({}));
  if (res.ok) return body;
  if (res.status === 401 && location.pathname !== '/pair.html')
    location.href = `/pair.html?then=${encodeURIComponent(location.pathname)}`;
  const err = new Error(body.detail || body.title || `The store node answered ${res.status}.`);
  err.status = res.status;
  err.problem = body;
  throw err;
}

/**
 * Mounts the filter into `root` (an empty element). Returns `{ load, reset, busy }`: `load()` reads the tags (again;
 * true once read), `reset()` goes back to the root tags with no query, read afresh (the kiosk starting over for the
 * next customer), `busy()` says whether a tag or a query is chosen.
 */
export function mountTagFilter(root, { mode = 'kiosk', renderProduct, pageSize = mode === 'kiosk' ? 24 : 50 } = {}) {
  const kiosk = mode === 'kiosk';
  // the kiosk's section sits beside the page's h2s; the handheld's inside the look-up panel, under its h2
  const [title, sub] = kiosk ? ['h2', 'h3'] : ['h3', 'h4'];
  const ids = { title: `${mode}-tags-title`, q: `${mode}-tag-query`, hint: `${mode}-tag-hint`, err: `${mode}-tag-err` };
  let tags = [];
  let byId = new Map();
  let children = new Map();
  let chosen = []; // the breadcrumb: tag ids from a root down to the one chosen
  let query = ''; // the handheld's query, as last run
  let answer = null; // the last page of results: { total, items, next, facets }
  let asked = 0; // answers to older requests are not drawn

  const crumbs = h('nav', { class: 'tag-crumbs', 'aria-label': 'Tags chosen' });
  const chips = h('div', { class: 'tag-chips', role: 'group', 'aria-labelledby': ids.title });
  const status = h('div', { class: 'tag-status', 'aria-live': 'polite' });
  // "Tags as of 10:42 — updating…" while the store's copy is behind head office or was never pulled: a quiet line
  const freshness = h('p', { class: 'muted detail tag-freshness', hidden: true });
  let freshnessTimer;
  const results = h('div', { class: 'tag-results' });
  const input = kiosk
    ? null
    : h('input', {
        id: ids.q,
        type: 'search',
        autocomplete: 'off',
        autocapitalize: 'off',
        spellcheck: 'false',
        maxlength: 2000,
        enterkeyhint: 'search',
        'aria-describedby': ids.hint,
      });
  const problem = h('div', { id: ids.err, class: 'tag-problem' });
  const form = kiosk
    ? null
    : h(
        'form',
        { class: 'tag-query', role: 'search', onsubmit: onQuery },
        h('label', { for: ids.q }, 'Tag query'),
        h(
          'p',
          { id: ids.hint, class: 'muted detail' },
          'Tags by slug with AND, OR, NOT and parentheses, e.g. tag:organic AND NOT tag:frozen, or path:food.pantry.',
        ),
        h('div', { class: 'scan-row' }, input, h('button', { type: 'submit' }, 'Find')),
        problem,
      );
  root.classList.add('tag-filter', kiosk ? 'tag-filter-kiosk' : 'tag-filter-handheld');
  root.replaceChildren(
    h(title, { id: ids.title }, kiosk ? 'Browse by tag' : 'Products by tag'),
    freshness,
    form ?? '',
    crumbs,
    chips,
    status,
    results,
  );

  const current = () => byId.get(chosen.at(-1));
  const nameOf = (id) => byId.get(id)?.name ?? `tag ${id}`;

  async function load() {
    try {
      const answer = await get('/api/tags');
      drawFreshness(answer.sync);
      tags = (answer.tags ?? []).filter((t) => !t.deleted);
      byId = new Map(tags.map((t) => [t.id, t]));
      children = new Map();
      for (const t of tags) {
        const list = children.get(t.parentId ?? null) ?? [];
        list.push(t);
        children.set(t.parentId ?? null, list);
      }
      for (const list of children.values()) list.sort((a, b) => a.name.localeCompare(b.name));
      chosen = chosen.filter((id) => byId.has(id));
      root.hidden = kiosk && tags.length === 0; // a kiosk shows nothing of tags until the store has some
      if (!tags.length && !kiosk) {
        status.replaceChildren(h('p', { class: 'muted' }, 'No tags have reached this store from head office yet.'));
        return true;
      }
      await refresh();
      return true;
    } catch (err) {
      // A customer sees the rest of the kiosk, not a tag error; a node without tags (404) shows no tag search.
      root.hidden = kiosk || err.status === 404;
      if (!root.hidden) status.replaceChildren(h('p', { role: 'alert', class: 'error' }, err.message));
      return false;
    }
  }

  /** Asks for the products of the chosen tag and the query (nothing asked at the kiosk's root: only the chips). */
  async function refresh({ focus = false } = {}) {
    const mine = ++asked;
    drawCrumbs();
    if (!chosen.length && !query) {
      answer = null;
      drawChips();
      status.replaceChildren(kiosk ? h('p', { class: 'muted' }, 'Tap a tag to see the products that carry it.') : '');
      results.replaceChildren();
      return;
    }
    try {
      const page = await get(`/api/tags/products?${params().toString()}`);
      if (mine !== asked) return;
      answer = page;
      say(null);
      drawChips();
      drawResults(page.items, false);
      if (focus) status.querySelector('[tabindex]')?.focus();
    } catch (err) {
      if (mine !== asked) return;
      if (err.status === 422 && input) return say(err);
      answer = null;
      drawChips();
      results.replaceChildren();
      status.replaceChildren(h('p', { role: 'alert', class: 'error' }, err.message));
    }
  }

  /**
   * Where the store's copy of the tags stands, said only when it matters: behind what head office announced, a pull
   * running, or never pulled. Read again every 15 s while so (only this line: the customer's view stays as it is).
   */
  function drawFreshness(sync) {
    clearTimeout(freshnessTimer);
    const never = sync && sync.pulledAt == null;
    const behind = sync && (sync.pulling || sync.version < sync.wanted);
    freshness.hidden = !sync || (!never && !behind);
    if (freshness.hidden) return freshness.replaceChildren();
    const updating = behind ? ' — updating…' : '';
    freshness.textContent = never
      ? `Tags not yet received from head office${updating || '.'}`
      : `Tags as of ${when(sync.pulledAt)}${updating}`;
    freshnessTimer = setTimeout(async () => {
      try {
        drawFreshness((await get('/api/tags')).sync);
      } catch {
        // the line stays as it was; the next load reads it again
      }
    }, 15_000);
  }

  function params(after) {
    const p = new URLSearchParams();
    if (query) p.set('q', query);
    if (chosen.length) p.append('tag', String(chosen.at(-1)));
    p.set('limit', String(pageSize));
    if (after) p.set('after', after);
    return p;
  }

  function drawCrumbs() {
    crumbs.hidden = !chosen.length;
    if (!chosen.length) return crumbs.replaceChildren();
    const steps = [null, ...chosen];
    crumbs.replaceChildren(
      h(
        'ol',
        {},
        steps.map((id, i) =>
          h(
            'li',
            {},
            i === steps.length - 1
              ? h('span', { 'aria-current': 'location' }, nameOf(id))
              : h(
                  'button',
                  { type: 'button', class: 'secondary', onclick: () => choose(chosen.slice(0, i)) },
                  id === null ? 'All tags' : nameOf(id),
                ),
          ),
        ),
      ),
    );
  }

  /** The chips: the chosen tag's children (the roots when none), each with its count among the results. */
  function drawChips() {
    const list = children.get(chosen.length ? chosen.at(-1) : null) ?? [];
    const counts = new Map((answer?.facets ?? []).map((f) => [f.tagId, f.count]));
    const countOf = (t) => (answer ? (counts.get(t.id) ?? null) : (t.products ?? null));
    chips.hidden = !list.length;
    chips.replaceChildren(
      ...list.map((t) => {
        const n = countOf(t);
        return h(
          'button',
          {
            type: 'button',
            class: `tag-chip${n === 0 ? ' none' : ''}`,
            'data-tag': t.id,
            onclick: () => choose([...chosen, t.id], true),
          },
          h('span', { class: 'tag-name' }, t.name),
          n === null ? '' : h('span', { class: 'tag-n' }, readable(n)),
          n === null ? '' : h('span', { class: 'visually-hidden' }, n === 1 ? ' product' : ' products'),
        );
      }),
    );
  }

  function drawResults(items, more) {
    const tag = current();
    const total = answer?.total ?? 0;
    const what = tag ? tag.name : 'your query';
    // The kiosk names the tag; the handheld says the query as the store read it (chosen tags as path: terms).
    const heading = kiosk
      ? total === 0
        ? `No products carry ${what} here`
        : `${tag.name}: ${products(total)} here`
      : `${total === 0 ? 'No products' : products(total)} match${total === 1 ? 'es' : ''} ${answer?.query || what}${
          total === 0 ? ' here' : ''
        }`;
    status.replaceChildren(
      h(sub, { tabindex: '-1', class: 'tag-count' }, heading),
      total === 0
        ? h(
            'p',
            { class: 'muted' },
            kiosk ? 'Try another tag, or search by name above.' : 'Try a wider query, or go back up the tags.',
          )
        : '',
    );
    const list = items.map((p) => (kiosk ? renderProduct(p, tag) : row(p)));
    const moreButton = answer?.next
      ? h('button', { type: 'button', class: 'secondary tag-more', onclick: showMore }, 'Show more')
      : '';
    if (more) {
      results.querySelector('.tag-more')?.remove();
      const at = kiosk ? results.querySelector('.products') : results.querySelector('tbody');
      at?.append(...list);
      results.append(moreButton);
      return;
    }
    if (!items.length) return results.replaceChildren();
    results.replaceChildren(
      kiosk
        ? h('div', { class: 'products' }, list)
        : h(
            'table',
            { class: 'tag-table' },
            h('caption', { class: 'visually-hidden' }, `Products with ${what}`),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Sku'),
                h('th', { scope: 'col' }, 'Product'),
                h('th', { scope: 'col', class: 'n' }, 'On hand'),
              ),
            ),
            h('tbody', {}, list),
          ),
      moreButton,
    );
  }

  const row = (p) =>
    h(
      'tr',
      { 'data-sku': p.sku },
      h('td', { class: 'sku' }, p.sku),
      h('th', { scope: 'row' }, p.name ?? p.sku, p.brand ? h('span', { class: 'muted detail' }, p.brand) : ''),
      h('td', { class: `n${p.onHand > 0 ? '' : ' none'}` }, readable(p.onHand ?? 0)),
    );

  async function showMore(e) {
    const button = e.currentTarget;
    const mine = ++asked;
    button.disabled = true;
    try {
      const page = await get(`/api/tags/products?${params(answer.next).toString()}`);
      if (mine !== asked) return;
      answer = { ...page, total: answer.total, facets: answer.facets };
      const shown = kiosk ? '.product-name' : 'tbody th';
      const before = results.querySelectorAll(shown).length;
      drawResults(page.items, true);
      // the keyboard goes on from the first product just shown (the button it was on is gone or moved)
      const first = results.querySelectorAll(shown)[before];
      if (first && !kiosk) first.tabIndex = -1;
      first?.focus();
    } catch (err) {
      button.disabled = false;
      status.append(h('p', { role: 'alert', class: 'error' }, err.message));
    }
  }

  function choose(path, focus = false) {
    chosen = path;
    void refresh({ focus });
  }

  /** The handheld's query: run it, or show where it went wrong. */
  function onQuery(e) {
    e.preventDefault();
    query = input.value.trim();
    void refresh({ focus: false });
  }

  /**
   * A query's refusal: the store's words as they are (their first line says where, "— at character 7.", counting from
   * 1 as a person does; the problem's `position` is the 0-based index) and the query with carets under the mistake.
   */
  function say(err) {
    if (!input) return;
    if (!err) {
      input.removeAttribute('aria-invalid');
      input.setAttribute('aria-describedby', ids.hint);
      problem.replaceChildren();
      return;
    }
    const { position, length } = err.problem ?? {};
    const message = String(err.message).split('\n')[0];
    const text = input.value;
    const at = Number.isInteger(position) ? Math.min(Math.max(position, 0), text.length) : null;
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', `${ids.err} ${ids.hint}`);
    problem.replaceChildren(
      h('p', { role: 'alert', class: 'error' }, message),
      at === null
        ? ''
        : h(
            'pre',
            { class: 'tag-caret', 'aria-hidden': 'true' },
            `${text}\n${' '.repeat(at)}${'^'.repeat(Math.max(1, Math.min(length ?? 1, text.length - at || 1)))}`,
          ),
    );
    answer = null;
    results.replaceChildren();
    status.replaceChildren();
    input.focus();
    if (at !== null) input.setSelectionRange(at, Math.min(text.length, at + Math.max(1, length ?? 1)));
  }

  function reset() {
    chosen = [];
    query = '';
    if (input) input.value = '';
    say(null);
    void load(); // the tags read afresh for the next person: head office may have changed them meanwhile
  }

  /** Whether someone left a tag or a query chosen (the kiosk starts over after a while untouched). */
  const busy = () => chosen.length > 0 || query !== '';

  return { load, reset, busy };
}
