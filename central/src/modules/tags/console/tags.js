// The tags console page (`#/tags`, issue #20, head office only): the tag tree and its edits, search with the tag
// query language, bulk jobs, analytics, and the search index's state. One page of sections sharing the tree and the
// current search (the bulk job form acts on it).
import { h, say } from '/console/lib.js';
import { renderAnalytics } from './tags-analytics.js';
import { renderBulk } from './tags-bulk.js';
import { renderIndexStatus } from './tags-index-status.js';
import { renderSearch } from './tags-search.js';
import { renderTree } from './tags-tree.js';
import { listOf } from './tags-words.js';

const HREF = '/console/modules/tags/tags.css';

export default {
  async render({ el, api }) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    el.classList.add('tags-page');
    const message = h('div');
    /** What the sections share: the live tags (by path), the current search, and who to tell when either changes. */
    const state = {
      api,
      tags: [],
      byId: new Map(),
      search: null,
      onTags: [],
      onSearch: [],
      revealPath: () => {},
      async reloadTags() {
        try {
          const r = await api('GET', '/api/tags');
          state.tags = [...(r.tags ?? listOf(r))].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
          state.byId = new Map(state.tags.map((t) => [t.id, t]));
          say(message);
        } catch (err) {
          say(message, err);
        }
        for (const fn of state.onTags) fn();
      },
      setSearch(s) {
        state.search = s;
        for (const fn of state.onSearch) fn();
      },
    };
    await state.reloadTags();
    const tree = renderTree(state);
    const search = renderSearch(state);
    const bulk = renderBulk(state);
    const analytics = renderAnalytics(state);
    const index = renderIndexStatus(state);
    for (const fn of state.onTags) fn();
    el.append(message, tree, search, bulk.section, analytics, index.section);
    return () => {
      bulk.stop();
      index.stop();
    };
  },
};
