// A product's reviews (`#/reviews`, third section): look one up by sku — its histogram as bars, the average and the
// Bayesian average it is ranked by, and its approved reviews, most helpful first.
import { h, productNames, say, when } from '/console/lib.js';
import { average, count, stars } from './reviews-words.js';

export function renderProduct({ api, params }) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'rv-product-title' });
  const message = h('div');
  const area = h(
    'div',
    {},
    h('p', { class: 'rv-empty' }, 'Type a product’s sku and press Look up to see its ratings.'),
  );
  const input = h('input', { id: 'rv-sku', type: 'text', autocomplete: 'off', maxlength: 64, required: true });
  const form = h(
    'form',
    { class: 'rv-lookup' },
    h('div', { class: 'rv-field' }, h('label', { for: 'rv-sku' }, 'Product sku'), input),
    h('button', { type: 'submit' }, 'Look up'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    lookUp(input.value.trim());
  });

  async function lookUp(sku) {
    say(message, null);
    if (!sku) return;
    let res;
    try {
      res = await api('GET', `/api/reviews/products/${encodeURIComponent(sku)}?sort=helpful&limit=10`);
    } catch (err) {
      say(message, err);
      return;
    }
    const name = (await productNames(api, [sku])).get(sku);
    const s = res.summary;
    const top = Math.max(1, ...s.histogram);
    area.replaceChildren(
      h(
        'div',
        {},
        h('h3', {}, name ? [name, ' ', h('span', { class: 'sku' }, sku)] : h('span', { class: 'sku' }, sku)),
        s.count
          ? [
              h(
                'p',
                { class: 'rv-figures' },
                `${count(s.count)} approved ${s.count === 1 ? 'review' : 'reviews'} · average ${average(s.average)} · Bayesian average ${average(s.bayesian)} · ${count(s.verified)} verified · ${count(s.withPhotos)} with photos`,
              ),
              h(
                'table',
                { class: 'rv-histogram' },
                h('caption', {}, 'Ratings'),
                h(
                  'tbody',
                  {},
                  [5, 4, 3, 2, 1].map((n) => {
                    const v = s.histogram[n - 1];
                    return h(
                      'tr',
                      {},
                      h('th', { scope: 'row' }, `${n} ★`),
                      h('td', {}, h('span', { class: 'rv-bar', style: `width: ${((v / top) * 100).toFixed(1)}%` })),
                      h('td', { class: 'num' }, count(v)),
                    );
                  }),
                ),
              ),
              h(
                'ul',
                { class: 'rv-list' },
                res.reviews.map((r) =>
                  h(
                    'li',
                    {},
                    h('p', { class: 'rv-head' }, stars(r.rating), ' ', h('strong', {}, r.title)),
                    h('p', { class: 'rv-body' }, r.body),
                    h(
                      'p',
                      { class: 'rv-meta' },
                      `by ${r.author} · ${when(r.createdAt)} · ${count(r.helpful)} found it helpful `,
                      r.verified ? h('span', { class: 'badge ok' }, 'Verified purchase') : '',
                    ),
                  ),
                ),
              ),
            ]
          : h('p', { class: 'rv-empty' }, 'No approved review of this product yet.'),
      ),
    );
  }

  section.append(h('h2', { id: 'rv-product-title' }, 'A product’s ratings'), form, message, area);
  async function load() {
    const sku = params.get('sku');
    if (!sku) return;
    input.value = sku;
    await lookUp(sku);
  }
  return { section, load };
}
