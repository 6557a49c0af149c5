// The promotions console page (`#/promotions`, issue #25, head office): promotions by status; an editor for every
// kind in plain words ("3 for 2", "Spend $50, save $5"), its targets with a preview of the skus they reach, a dry run
// over last week's baskets (what it would have given) with its progress and result; end or delete with a confirm;
// and for a coupon promotion, batches of codes issued and downloaded as CSV once, with their redeemed counts.
import { confirmDialog, h, product, say, storeLabel, table, when } from '/console/lib.js';
import {
  check,
  field,
  listOf,
  newKey,
  parseCount,
  parseMoney,
  parsePercent,
  parseWhen,
  price,
  pricingPage,
  whenInput,
} from './pricing-lib.js';

const POLL_MS = 1000;
const STATUSES = [
  ['ACTIVE', 'Running now'],
  ['SCHEDULED', 'Scheduled'],
  ['ENDED', 'Ended'],
];
const STACKING = {
  STACKABLE: 'Adds to other promotions',
  EXCLUSIVE: 'Alone: its items take no other promotion',
  BEST_OF: 'Best of: only the one saving the customer most',
};

/**
 * Every kind with its plain-language name and its fields: [key, label, kind of value, hint]. A kind whose rule takes
 * one of two fields (payFor or a price) names both; the editor sends the one filled in.
 */
const KINDS = {
  PERCENT_OFF: {
    label: 'Percent off (10 % off)',
    fields: [['bp', 'Percent off', 'percent', 'Like 10 or 12.5']],
  },
  AMOUNT_OFF: {
    label: 'Amount off each item ($1 off)',
    fields: [['amountMinor', 'Amount off each item ($)', 'money', 'Like 1.00']],
  },
  MULTI_BUY: {
    label: 'Multi-buy (3 for 2, or 3 for $10)',
    fields: [
      ['buy', 'Buy how many', 'count', 'Like 3'],
      ['payFor', 'Pay for how many (for “3 for 2”)', 'count', 'Leave blank to give a price instead'],
      ['priceMinor', 'Or: the lot for ($, for “3 for $10”)', 'money', 'Leave blank when paying for fewer'],
    ],
  },
  BOGO: {
    label: 'Buy one, get one (free or % off)',
    fields: [
      ['buy', 'Buy how many', 'count', 'Like 1'],
      ['get', 'Get how many more', 'count', 'Like 1'],
      ['bp', 'Percent off those (100 = free)', 'percent', 'Like 100 or 50'],
    ],
  },
  MIX_MATCH: {
    label: 'Mix and match (any 3 for $10)',
    fields: [
      ['qty', 'Any how many', 'count', 'Like 3'],
      ['priceMinor', 'For ($)', 'money', 'Like 10.00'],
    ],
  },
  THRESHOLD: {
    label: 'Spend and save (spend $50, save $5)',
    fields: [
      ['spendMinor', 'Spend at least ($)', 'money', 'Like 50.00'],
      ['offMinor', 'Save ($)', 'money', 'Leave blank to give a percent instead'],
      ['bp', 'Or: percent off the spend', 'percent', 'Leave blank when saving an amount'],
    ],
  },
  MEMBER_PRICE: {
    label: 'Member price (members pay less)',
    fields: [
      ['priceMinor', 'Members pay ($ each)', 'money', 'Leave blank to give a percent instead'],
      ['bp', 'Or: percent off for members', 'percent', 'Leave blank when giving a price'],
    ],
  },
};

const kindLabel = (kind) => KINDS[kind]?.label ?? kind;
const splitList = (text) =>
  String(text ?? '')
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);

/** What a rule says in words, for the list ("3 for 2 on 4 skus"). */
export function ruleWords(rule) {
  const $ = (m) => price(m);
  const pct = (bp) => `${(bp / 100).toLocaleString()} %`;
  switch (rule.kind) {
    case 'PERCENT_OFF':
      return `${pct(rule.bp)} off`;
    case 'AMOUNT_OFF':
      return `${$(rule.amountMinor)} off each`;
    case 'MULTI_BUY':
      return rule.payFor !== undefined ? `${rule.buy} for ${rule.payFor}` : `${rule.buy} for ${$(rule.priceMinor)}`;
    case 'BOGO':
      return `buy ${rule.buy}, get ${rule.get} ${rule.bp === 10_000 ? 'free' : `${pct(rule.bp)} off`}`;
    case 'MIX_MATCH':
      return `any ${rule.qty} for ${$(rule.priceMinor)}`;
    case 'THRESHOLD':
      return `spend ${$(rule.spendMinor)}, save ${rule.offMinor !== undefined ? $(rule.offMinor) : pct(rule.bp)}`;
    case 'MEMBER_PRICE':
      return `members pay ${rule.priceMinor !== undefined ? $(rule.priceMinor) : `${pct(rule.bp)} less`}`;
    default:
      return rule.kind;
  }
}

export default {
  async render({ el, api, params }) {
    pricingPage(el);
    const stores = listOf(await api('GET', '/api/sync/stores').catch(() => ({ items: [] })), 'items');
    const state = { api, stores };
    const editor = renderEditor(state, () => list.load());
    const list = renderList(state, (p) => editor.open(p));
    el.append(
      h(
        'p',
        { class: 'hint' },
        'Promotions run at the stores (offline too) and online, in priority order. Try one on last week’s baskets before saving it.',
      ),
      list.section,
      editor.section,
    );
    await list.load();
    const id = params?.get?.('id');
    if (id) {
      const p = await api('GET', `/api/pricing/promotions/${encodeURIComponent(id)}`).catch(() => null);
      if (p) await editor.open(p);
    }
    return () => editor.stop();
  },
};

function renderList(state, onOpen) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pm-list-title' });
  const area = h('div');
  let status = 'ACTIVE';
  const tabs = h(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': 'Which promotions' },
    STATUSES.map(([value, label]) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(value === status),
          'data-status': value,
          onclick: () => {
            status = value;
            for (const b of tabs.querySelectorAll('button'))
              b.setAttribute('aria-pressed', String(b.dataset.status === status));
            load(null);
          },
        },
        label,
      ),
    ),
  );
  const fresh = h('button', { type: 'button', onclick: () => onOpen(null) }, 'New promotion');

  async function load(after) {
    const qs = new URLSearchParams({ status, limit: '50' });
    if (after) qs.set('after', after);
    let page;
    try {
      page = await api('GET', `/api/pricing/promotions?${qs}`);
    } catch (err) {
      area.replaceChildren(h('p', { role: 'alert', class: 'error' }, `Promotions cannot be shown: ${err.message}`));
      return;
    }
    const label = STATUSES.find(([v]) => v === status)[1];
    area.replaceChildren(
      table(
        `${label} (press a row to open it)`,
        ['Name', 'Kind', 'What it does', 'From', 'Until', 'Coupon'],
        listOf(page, 'promotions'),
        (p) => [
          p.name,
          kindLabel(p.rule.kind),
          ruleWords(p.rule),
          when(p.from),
          p.to ? when(p.to) : 'no end',
          p.couponRequired ? 'Coupon' : '',
        ],
        onOpen,
      ),
      page.next
        ? h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => load(page.next) }, 'More'))
        : '',
    );
  }
  section.append(h('h2', { id: 'pm-list-title' }, 'Promotions'), h('div', { class: 'actions' }, fresh), tabs, area);
  return { section, load: () => load(null) };
}

function renderEditor(state, onChanged) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pm-editor-title', hidden: true });
  const title = h('h2', { id: 'pm-editor-title', tabindex: -1 }, 'New promotion');
  const message = h('div', { 'aria-live': 'polite' });
  let current = null;
  let timer;
  let stopped = false;

  const name = h('input', { type: 'text', required: true, autocomplete: 'off', maxlength: 120 });
  const kind = h(
    'select',
    {},
    Object.entries(KINDS).map(([v, k]) => h('option', { value: v }, k.label)),
  );
  const ruleFields = h('div', { class: 'grid' });
  let inputs = {};
  const drawRule = (rule) => {
    inputs = {};
    const spec = KINDS[kind.value];
    ruleFields.replaceChildren(
      ...spec.fields.map(([key, label, type, hint]) => {
        const input = h('input', {
          type: 'text',
          inputmode: type === 'count' ? 'numeric' : 'decimal',
          autocomplete: 'off',
        });
        const v = rule?.[key];
        if (v !== undefined)
          input.value = type === 'money' ? (v / 100).toFixed(2) : type === 'percent' ? String(v / 100) : String(v);
        inputs[key] = { input, type, label };
        return field(`pm-rule-${key}`, label, input, hint);
      }),
    );
  };
  kind.addEventListener('change', () => drawRule(null));

  const skus = h('textarea', { rows: 2, spellcheck: 'false' });
  const categories = h('textarea', { rows: 2 });
  const priority = h('input', { type: 'number', min: 0, max: 1000000, step: 1, value: '100' });
  const stacking = h(
    'select',
    {},
    Object.entries(STACKING).map(([v, label]) => h('option', { value: v }, label)),
  );
  const from = h('input', { type: 'datetime-local', required: true });
  const to = h('input', { type: 'datetime-local' });
  const members = check('pm-members', 'Members only');
  const coupon = check('pm-coupon', 'Only with a coupon');
  const storePick = h(
    'select',
    { multiple: true, size: Math.min(6, Math.max(2, state.stores.length)) },
    state.stores.map((s) => h('option', { value: s.storeId }, storeLabel(s, s.storeId))),
  );
  const regions = h('input', { type: 'text', autocomplete: 'off' });

  const previewArea = h('div', { 'aria-live': 'polite' });
  const dryArea = h('div', { 'aria-live': 'polite' });
  const couponArea = h('section', { 'aria-labelledby': 'pm-coupons-title', hidden: true });

  const previewBtn = h('button', { type: 'button', class: 'secondary' }, 'Preview the skus');
  const dryBtn = h('button', { type: 'button', class: 'secondary' }, 'Dry run on last week');
  const saveBtn = h('button', { type: 'submit' }, 'Save promotion');
  const endBtn = h('button', { type: 'button', class: 'danger' }, 'End now…');
  const deleteBtn = h('button', { type: 'button', class: 'danger' }, 'Delete…');

  const form = h(
    'form',
    { 'aria-labelledby': 'pm-editor-title' },
    h('div', { class: 'grid' }, field('pm-name', 'Name (on receipts)', name), field('pm-kind', 'Kind', kind)),
    h('fieldset', {}, h('legend', {}, 'What it gives'), ruleFields),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Which products'),
      h(
        'div',
        { class: 'grid' },
        field('pm-skus', 'Skus (comma or line separated)', skus),
        field(
          'pm-categories',
          'Categories (comma separated)',
          categories,
          'A spend-and-save may name none: the whole basket',
        ),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'When, where and with what'),
      h(
        'div',
        { class: 'grid' },
        field('pm-from', 'Starts', from),
        field('pm-to', 'Ends (blank: no end)', to),
        field('pm-priority', 'Priority (lower applies first)', priority),
        field('pm-stacking', 'With other promotions', stacking),
        field('pm-stores', 'Stores (none picked: every store and online)', storePick),
        field('pm-regions', 'Regions (codes, comma separated)', regions),
        members.el,
        coupon.el,
      ),
    ),
    h('div', { class: 'actions' }, saveBtn, previewBtn, dryBtn, endBtn, deleteBtn),
  );

  /** The draft as POST /promotions takes it; throws a sentence for what is missing. */
  function draft() {
    const rule = { kind: kind.value };
    for (const [key, { input, type, label }] of Object.entries(inputs)) {
      const v =
        type === 'money'
          ? parseMoney(input.value, label)
          : type === 'percent'
            ? parsePercent(input.value, label)
            : parseCount(input.value, label);
      if (v !== null) rule[key] = v;
    }
    const target = {};
    const s = splitList(skus.value);
    const c = splitList(categories.value);
    if (s.length) target.skus = s;
    if (c.length) target.categories = c;
    if (s.length || c.length) rule.target = target;
    else if (kind.value !== 'THRESHOLD') throw new Error('Name at least one sku or category the promotion is for.');
    const startsAt = parseWhen(from.value, 'Starts');
    if (startsAt === null) throw new Error('Starts: pick when it starts.');
    const d = {
      name: name.value.trim(),
      rule,
      priority: Number(priority.value || 100),
      stacking: stacking.value,
      from: startsAt,
      to: parseWhen(to.value, 'Ends'),
    };
    if (!d.name) throw new Error('Name: give the promotion a name customers will read.');
    const picked = [...storePick.selectedOptions].map((o) => o.value);
    if (picked.length) d.storeIds = picked;
    const r = splitList(regions.value);
    if (r.length) d.regionIds = r;
    if (members.box.checked) d.membersOnly = true;
    if (coupon.box.checked) d.couponRequired = true;
    return d;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const d = draft();
      const saved = current
        ? await api('PUT', `/api/pricing/promotions/${current.id}`, d, { 'Idempotency-Key': newKey() })
        : await api('POST', '/api/pricing/promotions', d, { 'Idempotency-Key': newKey() });
      await open(saved, false);
      say(message, null, `Promotion “${saved.name}” saved.`);
      await onChanged();
    } catch (err) {
      say(message, err);
    }
  });

  previewBtn.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/pricing/preview/promotion', draft());
      previewArea.replaceChildren(
        h(
          'h3',
          { id: 'pm-preview-title' },
          r.wholeCatalog
            ? `Every product counts toward the spend: ${r.total} in the catalog`
            : `It reaches ${r.total} ${r.total === 1 ? 'sku' : 'skus'}`,
        ),
        r.total > r.skus.length ? h('p', { class: 'hint' }, `The first ${r.skus.length} are listed.`) : '',
        table('The skus this promotion reaches', ['Product', 'Category', 'Catalog price'], r.skus, (p) => [
          product(p.name, p.sku),
          p.category,
          h('span', { class: 'num' }, price(p.priceMinor)),
        ]),
      );
    } catch (err) {
      say(message, err);
    }
  });

  dryBtn.addEventListener('click', async () => {
    clearTimeout(timer);
    try {
      const { id } = await api(
        'POST',
        '/api/pricing/dry-runs',
        { promotion: draft() },
        { 'Idempotency-Key': newKey() },
      );
      dryArea.replaceChildren(h('p', { role: 'status' }, 'Dry run started…'));
      await follow(id);
    } catch (err) {
      say(message, err);
    }
  });

  async function follow(id) {
    let run;
    try {
      run = await api('GET', `/api/pricing/dry-runs/${id}`);
    } catch (err) {
      dryArea.replaceChildren(h('p', { role: 'alert', class: 'error' }, err.message));
      return;
    }
    drawRun(run);
    if (run.status === 'RUNNING' && !stopped) timer = setTimeout(() => follow(id), POLL_MS);
  }

  function drawRun(run) {
    const pct = Math.round((run.progress?.fraction ?? 0) * 100);
    if (run.status === 'RUNNING') {
      dryArea.replaceChildren(
        h('h3', {}, 'Dry run'),
        h('progress', { max: 100, value: pct, 'aria-label': 'Dry run progress' }),
        h('p', { role: 'status' }, `Running: ${run.progress.scanned} baskets priced (${pct} % of the week).`),
      );
      return;
    }
    if (run.status === 'FAILED') {
      dryArea.replaceChildren(h('h3', {}, 'Dry run'), h('p', { role: 'alert', class: 'error' }, run.error));
      return;
    }
    const r = run.result;
    const cur = r.currency;
    dryArea.replaceChildren(
      h('h3', {}, `Dry run: ${when(run.from)} to ${when(run.to)}`),
      h('p', { role: 'status' }, `Done: ${r.baskets} baskets priced.`),
      h(
        'div',
        { class: 'figures' },
        h('div', {}, h('span', {}, 'Baskets'), h('strong', { 'data-figure': 'baskets' }, String(r.baskets))),
        h('div', {}, h('span', {}, 'It applied to'), h('strong', { 'data-figure': 'applied' }, String(r.applied))),
        h(
          'div',
          {},
          h('span', {}, 'Members’ baskets'),
          h('strong', { 'data-figure': 'member-baskets' }, String(r.memberBaskets ?? 0)),
        ),
        h(
          'div',
          {},
          h('span', {}, 'It would have given'),
          h('strong', { 'data-figure': 'discount' }, price(r.discountMinor, cur)),
        ),
      ),
      r.truncated
        ? h('p', { class: 'hint' }, 'The week held more baskets than a dry run prices; these are the first.')
        : '',
      r.assumedCoupon ? h('p', { class: 'hint' }, 'A coupon promotion: priced as if every basket had its coupon.') : '',
      table('Per day', ['Day', 'Baskets', 'Applied', 'Given'], r.perDay, (d) => [
        d.day,
        h('span', { class: 'num' }, String(d.baskets)),
        h('span', { class: 'num' }, String(d.applied)),
        h('span', { class: 'num' }, price(d.discountMinor, cur)),
      ]),
      table('The skus it took most off', ['Product', 'Units', 'Given'], r.topSkus, (s) => [
        product(s.name, s.sku),
        h('span', { class: 'num' }, String(s.qty)),
        h('span', { class: 'num' }, price(s.discountMinor, cur)),
      ]),
      table('Example baskets', ['Sale', 'Store', 'When', 'Before', 'After'], r.examples, (x) => [
        `…${x.saleId.slice(-8)}`,
        storeLabel(
          state.stores.find((s) => s.storeId === x.storeId),
          x.storeId,
        ),
        when(x.closedAt),
        h('span', { class: 'num' }, price(x.beforeMinor, cur)),
        h('span', { class: 'num' }, price(x.afterMinor, cur)),
      ]),
    );
  }

  endBtn.addEventListener('click', async () => {
    if (!current) return;
    const ok = await confirmDialog({
      title: 'End this promotion now?',
      body: h('p', {}, `“${current.name}” stops at every store at their next pull, and online at once.`),
      confirm: 'End it now',
    });
    if (!ok) return;
    try {
      const p = await api('POST', `/api/pricing/promotions/${current.id}/end`, {}, { 'Idempotency-Key': newKey() });
      await open(p, false);
      say(message, null, `“${p.name}” has ended.`);
      await onChanged();
    } catch (err) {
      say(message, err);
    }
  });
  deleteBtn.addEventListener('click', async () => {
    if (!current) return;
    const ok = await confirmDialog({
      title: 'Delete this promotion?',
      body: h('p', {}, `“${current.name}” is removed everywhere; coupons issued for it stop working.`),
      confirm: 'Delete promotion',
    });
    if (!ok) return;
    try {
      await api('DELETE', `/api/pricing/promotions/${current.id}`, undefined, { 'Idempotency-Key': newKey() });
      const gone = current.name;
      await open(null, false);
      say(message, null, `“${gone}” is deleted.`);
      await onChanged();
    } catch (err) {
      say(message, err);
    }
  });

  // coupons of a saved coupon promotion: issue a batch (the codes downloaded once), the batches with redeemed counts
  const count = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', value: '100' });
  const expires = h('input', { type: 'datetime-local', required: true });
  const couponMessage = h('div', { 'aria-live': 'polite' });
  const batches = h('div');
  const download = h('div');
  const issueForm = h(
    'form',
    { class: 'grid', 'aria-label': 'Issue coupons' },
    field('pm-coupon-count', 'How many codes', count, 'At most 10,000'),
    field('pm-coupon-expires', 'Valid until', expires),
    h('button', { type: 'submit' }, 'Issue coupons'),
  );
  issueForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const n = parseCount(count.value, 'How many codes');
      const exp = parseWhen(expires.value, 'Valid until');
      if (!n || n > 10_000) throw new Error('How many codes: between 1 and 10,000');
      if (exp === null) throw new Error('Valid until: pick when the codes expire');
      const batch = await api(
        'POST',
        `/api/pricing/promotions/${current.id}/coupons`,
        { count: n, expiresAt: exp },
        { 'Idempotency-Key': newKey() },
      );
      const csv = [
        'code,serial,expires',
        ...batch.codes.map((c, i) => `${c},${batch.firstSerial + i},${new Date(batch.expiresAt).toISOString()}`),
      ].join('\n');
      const url = URL.createObjectURL(new Blob([`${csv}\n`], { type: 'text/csv' }));
      const link = h(
        'a',
        { href: url, download: `coupons-${batch.batchId}.csv`, class: 'button' },
        `Download the ${batch.count} codes (CSV)`,
      );
      link.addEventListener('click', () => {
        // once: the hub never shows these codes again, and neither does the page
        setTimeout(() => {
          URL.revokeObjectURL(url);
          download.replaceChildren(h('p', { class: 'hint' }, 'The codes were downloaded; they are not shown again.'));
        }, 0);
      });
      download.replaceChildren(h('p', {}, 'These codes are shown once: download them now.'), link);
      say(couponMessage, null, `${batch.count} codes issued.`);
      await loadBatches();
    } catch (err) {
      say(couponMessage, err);
    }
  });
  async function loadBatches() {
    try {
      const r = await api('GET', `/api/pricing/promotions/${current.id}/coupon-batches`);
      batches.replaceChildren(
        table('Coupon batches', ['Issued', 'Codes', 'Redeemed', 'Valid until'], listOf(r, 'batches'), (b) => [
          when(b.createdAt),
          h('span', { class: 'num' }, String(b.count)),
          h('span', { class: 'num' }, String(b.redeemed ?? 0)),
          when(b.expiresAt),
        ]),
      );
    } catch (err) {
      batches.replaceChildren(h('p', { role: 'alert', class: 'error' }, `Batches cannot be shown: ${err.message}`));
    }
  }
  couponArea.append(h('h3', { id: 'pm-coupons-title' }, 'Coupons'), couponMessage, issueForm, download, batches);

  async function open(p, focus = true) {
    clearTimeout(timer);
    current = p;
    section.hidden = false;
    say(message, null);
    previewArea.replaceChildren();
    dryArea.replaceChildren();
    download.replaceChildren();
    title.textContent = p ? `Promotion: ${p.name}` : 'New promotion';
    name.value = p?.name ?? '';
    kind.value = p?.rule.kind ?? 'PERCENT_OFF';
    drawRule(p?.rule ?? null);
    const t = p?.rule.target ?? {};
    skus.value = (t.skus ?? []).join(', ');
    categories.value = (t.categories ?? []).join(', ');
    priority.value = String(p?.priority ?? 100);
    stacking.value = p?.stacking ?? 'STACKABLE';
    from.value = whenInput(p?.from ?? Date.now());
    to.value = whenInput(p?.to ?? null);
    for (const o of storePick.options) o.selected = (p?.storeIds ?? []).includes(o.value);
    regions.value = (p?.regionIds ?? []).join(', ');
    members.box.checked = p?.membersOnly === true;
    coupon.box.checked = p?.couponRequired === true;
    endBtn.hidden = !p || p.status === 'ENDED';
    deleteBtn.hidden = !p;
    couponArea.hidden = !p?.couponRequired;
    if (p?.couponRequired) {
      expires.value = whenInput((p.to ?? Date.now() + 30 * 86_400_000) - 60_000);
      await loadBatches();
    }
    if (focus) title.focus();
  }

  section.append(title, message, form, previewArea, dryArea, couponArea);
  return {
    section,
    open,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
