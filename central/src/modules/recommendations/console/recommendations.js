// The recommendations console page (`#/recommendations`, issue #21, head office only): the A/B variants with CTR and
// credible intervals (stop / start), the models and "Train now", and a store's list with a "try it" box.
import { h } from '/console/lib.js';
import { renderModels } from './recs-models.js';
import { renderStores } from './recs-stores.js';
import { renderVariants } from './recs-variants.js';

const HREF = '/console/modules/recommendations/recommendations.css';

export default {
  async render({ el, api, params }) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    el.classList.add('recs-page');
    const state = { api, params, onModel: undefined };
    const variants = renderVariants(state);
    const models = renderModels(state);
    const stores = renderStores(state);
    // a finished training run changes each store's list
    state.onModel = () => stores.reloadTop();
    el.append(
      h(
        'p',
        { class: 'hint' },
        'Lists for the web, the app and the kiosks: which variant serves them and how each does, the models they come from, and what each store’s kiosk recommends offline.',
      ),
      variants.section,
      models.section,
      stores.section,
    );
    await Promise.all([variants.load(), models.load(), stores.load()]);
    return () => models.stop();
  },
};
