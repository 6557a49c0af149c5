// Analytics (`#/tags`, fourth section): the most used tags, trending week over week, unused tags, and the tags most
// often on the same products as a chosen one.
import { h, say, table } from '/console/lib.js';
import { count, listOf, tagLabel, tagOf } from './tags-words.js';

const signed = (n) => (typeof n !== 'number' ? '—' : n > 0 ? `+${count(n)}` : count(n));
/** Week over week: "+3 (+50 %)", "+2 (new)" when last week had none. */
function changeWords(r) {
  const c = r.change;
  const difference = typeof c === 'object' && c !== null ? c.difference : (c ?? r.thisWeek - r.lastWeek);
  const pct = typeof c === 'object' && c !== null ? c.percent : null;
  const share = typeof pct === 'number' ? `${pct > 0 ? '+' : ''}${pct} %` : r.lastWeek === 0 ? 'new' : '';
  return share ? `${signed(difference)} (${share})` : signed(difference);
}
/** A share of 0–1 as a percent: 0.5 → "50 %". */
const shareWords = (x) => (typeof x === 'number' ? `${Math.round(x * 100)} %` : '—');

export function renderAnalytics(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'tg-an-title' });
  const message = h('div');
  const mostUsed = h('div');
  const trending = h('div');
  const unused = h('div');
  const coArea = h('div');
  const coTag = h('select', { id: 'tg-co-tag' });
  const coForm = h(
    'form',
    { class: 'tg-form', 'aria-label': 'Tags found together' },
    h('div', { class: 'tg-field' }, h('label', { for: 'tg-co-tag' }, 'Tags found with'), coTag),
    h('button', { type: 'submit', class: 'submit' }, 'Show tags found together'),
  );
  const tagName = (x) => tagLabel(tagOf(x, state.byId));

  async function part(area, path, caption, headers, row) {
    try {
      const items = listOf(await api('GET', path));
      area.replaceChildren(table(caption, headers, items, row));
    } catch (err) {
      area.replaceChildren(h('p', { class: 'error' }, `${caption}: ${err.message}`));
    }
  }
  const load = () =>
    Promise.all([
      part(mostUsed, '/api/tags/analytics/most-used?limit=10', 'Most used tags', ['Tag', 'Products'], (r) => [
        tagName(r.tag ?? r.tagId),
        count(r.products),
      ]),
      part(
        trending,
        '/api/tags/analytics/trending?limit=10',
        'Trending: uses this week against last week',
        ['Tag', 'This week', 'Last week', 'Change'],
        (r) => [tagName(r.tag ?? r.tagId), count(r.thisWeek), count(r.lastWeek), changeWords(r)],
      ),
      part(unused, '/api/tags/analytics/unused', 'Unused tags: on no product', ['Tag', 'Last used'], (r) => {
        const days = r.daysSinceLastUse ?? r.daysSinceUse ?? r.days ?? r.idleDays;
        return [
          tagName(r.tag ?? r.tagId),
          typeof days === 'number' ? `${count(days)} ${days === 1 ? 'day' : 'days'} ago` : 'never',
        ];
      }),
    ]);

  coForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!coTag.value) return;
    const t = state.byId.get(Number(coTag.value));
    say(message);
    await part(
      coArea,
      `/api/tags/analytics/co-occurrence?tag=${encodeURIComponent(coTag.value)}&limit=10`,
      `Tags most often on the same products as ${t?.name ?? 'this tag'}`,
      ['Tag', 'Products with both', 'Share of its products'],
      (r) => [tagName(r.tag ?? r.tagId), count(r.together), shareWords(r.share)],
    );
  });
  state.onTags.push(() => {
    const keep = coTag.value;
    coTag.replaceChildren(
      ...state.tags.map((t) =>
        h('option', { value: String(t.id), selected: String(t.id) === keep }, `${t.path} — ${t.name}`),
      ),
    );
  });

  section.append(
    h('h2', { id: 'tg-an-title' }, 'Analytics'),
    message,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: load }, 'Read the analytics again'),
    ),
    h('div', { class: 'tg-analytics' }, mostUsed, trending, unused, h('div', {}, coForm, coArea)),
  );
  load();
  return section;
}
