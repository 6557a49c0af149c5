// The A/B variants (`#/recommendations`, first section): each variant's impressions, clicks, CTR with its 95 % credible
// interval (figures and a bar with the interval drawn), its chance to be the best, and Stop / Start after a confirm.
import { confirmDialog, h, say, table } from '/console/lib.js';
import {
  count,
  ctrBar,
  ctrScale,
  newKey,
  percent,
  SURFACE_WORDS,
  SURFACES,
  variantBadge,
  weightsLine,
} from './recs-words.js';

/** What a variant mixes on each surface, folded away under its name. */
const weightsOf = (v) =>
  v.weights
    ? h(
        'details',
        { class: 'rc-weights' },
        h('summary', {}, 'Weights'),
        h(
          'dl',
          { class: 'facts' },
          SURFACES.flatMap((s) => [h('dt', {}, SURFACE_WORDS[s]), h('dd', {}, weightsLine(v.weights[s]))]),
        ),
      )
    : '';

/** The hub refuses to stop the last running variant (409): said in words that tell what to do instead. */
const lastRunning = (name) =>
  new Error(
    `“${name}” is the last running variant, so it cannot be stopped — every list needs a variant to serve it. ` +
      'Start another variant first, then stop this one.',
  );

export function renderVariants(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'rc-var-title' });
  const message = h('div');
  const area = h('div');

  async function load() {
    let variants;
    try {
      variants = (await api('GET', '/api/recommendations/variants')).variants ?? [];
    } catch (err) {
      area.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The variants cannot be shown: ${err.message}`));
      return;
    }
    if (!variants.length) {
      area.replaceChildren(
        h('p', { class: 'rc-empty' }, 'No variants yet — the hub adds the default variants when it starts.'),
      );
      return;
    }
    const scale = ctrScale(variants);
    const running = variants.filter((v) => v.state === 'RUNNING').length;
    area.replaceChildren(
      h(
        'p',
        { class: 'hint' },
        `${count(running)} of ${count(variants.length)} variants running. CTR is clicks per list shown; the interval `,
        'is where the true rate lies with 95 % probability, and “chance to be best” is the probability that its true ',
        'rate is the highest of the variants listed (one never shown has a wide guess, so it keeps a chance).',
      ),
      table(
        'Each variant’s clicks per list shown',
        [
          'Variant',
          'State',
          'Impressions',
          'Clicks',
          'CTR (95 % interval)',
          `CTR, scale 0–${percent(scale)}`,
          'Chance to be best',
          'Action',
        ],
        variants,
        (v) => [
          h(
            'span',
            {},
            h('strong', { class: 'rc-name' }, v.name),
            v.description ? h('span', { class: 'hint rc-desc' }, v.description) : '',
            weightsOf(v),
          ),
          variantBadge(v.state),
          h('span', { class: 'num' }, count(v.impressions)),
          h('span', { class: 'num' }, count(v.clicks)),
          v.impressions > 0
            ? h(
                'span',
                { class: 'num rc-ctr' },
                percent(v.ctr),
                h('span', { class: 'hint' }, ` (${percent(v.ctrLow)} – ${percent(v.ctrHigh)})`),
              )
            : h('span', { class: 'hint' }, 'no lists shown yet'),
          v.impressions > 0 ? ctrBar(v, scale) : '',
          h('span', { class: 'num' }, percent(v.chanceBest)),
          v.state === 'RUNNING'
            ? h('button', { type: 'button', class: 'danger', onclick: () => stop(v) }, `Stop ${v.name}…`)
            : h('button', { type: 'button', class: 'secondary', onclick: () => start(v) }, `Start ${v.name}…`),
        ],
      ),
    );
    for (const tr of area.querySelectorAll('tbody tr')) tr.classList.add('rc-variant');
  }

  async function act(v, verb, said) {
    try {
      await api(
        'POST',
        `/api/recommendations/variants/${encodeURIComponent(v.name)}/${verb}`,
        {},
        { 'Idempotency-Key': newKey() },
      );
      say(message, null, said);
    } catch (err) {
      say(message, verb === 'stop' && err.status === 409 ? lastRunning(v.name) : err);
    }
    await load();
  }

  async function stop(v) {
    const yes = await confirmDialog({
      title: `Stop variant “${v.name}”?`,
      body: h(
        'p',
        {},
        `Lists are no longer served by “${v.name}”; the running variants share its traffic. Its ${count(v.impressions)} impressions and ${count(v.clicks)} clicks are kept, and it can be started again.`,
      ),
      confirm: `Stop ${v.name}`,
    });
    if (yes) await act(v, 'stop', `“${v.name}” is stopped.`);
  }

  async function start(v) {
    const yes = await confirmDialog({
      title: `Start variant “${v.name}” again?`,
      body: h(
        'p',
        {},
        `“${v.name}” serves lists again, as many as Thompson sampling gives it by its clicks so far (${percent(v.ctr)} CTR).`,
      ),
      confirm: `Start ${v.name}`,
      danger: false,
    });
    if (yes) await act(v, 'start', `“${v.name}” is running.`);
  }

  section.append(h('h2', { id: 'rc-var-title' }, 'A/B variants'), message, area);
  return { section, load };
}
