// The reviews console page (`#/reviews`, issue #24, head office only): the moderation queue (waiting, refused,
// reported; approve or reject with a note), the text model with "Retrain now", and a product's ratings by sku.
import { h } from '/console/lib.js';
import { renderModels } from './reviews-models.js';
import { renderProduct } from './reviews-product.js';
import { renderQueue } from './reviews-queue.js';

const HREF = '/console/modules/reviews/reviews.css';

export default {
  async render({ el, api, params }) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    el.classList.add('reviews-page');
    const state = { api, params };
    const queue = renderQueue(state);
    const models = renderModels(state);
    const product = renderProduct(state);
    el.append(
      h(
        'p',
        { class: 'hint' },
        'Customers’ reviews the fraud check held back or refused, and those customers reported; the model that helps score them; any product’s ratings.',
      ),
      queue.section,
      models.section,
      product.section,
    );
    await Promise.all([queue.load(), models.load(), product.load()]);
    return () => models.stop();
  },
};
