// The reviews console page (`#/reviews`, issue #24, head office only): the moderation queue (lane E builds it).
import { h } from '/console/lib.js';

export default {
  async render({ el }) {
    el.append(h('p', { class: 'hint' }, 'Reviews: the moderation queue is being built.'));
  },
};
