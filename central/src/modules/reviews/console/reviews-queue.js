// The moderation queue (`#/reviews`, first section): three lists — waiting for a moderator, refused, reported — each
// with its count, oldest first, "Older" for the next page. Each review is a card with everything a moderator weighs
// (stars, text, author, verified badge, the fraud score with each reason's sentence and weight, open reports) and the
// decision's buttons with an optional note; a decided card leaves the list and the counts are read again.
import { confirmDialog, h, productNames, say, when } from '/console/lib.js';
import { count, newKey, percent, REASON_NAMES, REJECT_REASON_NAMES, REPORT_NAMES, stars } from './reviews-words.js';

const PAGE = 20;
const KINDS = [
  {
    kind: 'MANUAL_REVIEW',
    label: 'Waiting',
    empty: 'Nothing is waiting. Reviews the fraud check is unsure of land here for a decision.',
  },
  {
    kind: 'REJECTED',
    label: 'Refused',
    empty: 'No refused review. Reviews the fraud check or a moderator refused land here; approve one to show it.',
  },
  {
    kind: 'REPORTED',
    label: 'Reported',
    empty: 'No open report. When customers report a review, it lands here to be kept or removed.',
  },
];

export function renderQueue(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'rv-queue-title' });
  const message = h('div', { class: 'rv-message' });
  const list = h('div', { class: 'rv-cards' });
  const more = h('div', { class: 'actions' });
  let kind = 'MANUAL_REVIEW';
  let next = null;
  let serial = 0;
  const tabs = new Map();
  const tabBar = h(
    'div',
    { class: 'rv-tabs', role: 'group', 'aria-label': 'Which reviews' },
    KINDS.map((k) => {
      const n = h('span', { class: 'rv-count' }, '…');
      const b = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-pressed': String(k.kind === kind) },
        k.label,
        ' ',
        n,
      );
      b.addEventListener('click', () => {
        if (kind === k.kind) return;
        kind = k.kind;
        for (const [kk, t] of tabs) t.button.setAttribute('aria-pressed', String(kk === kind));
        say(message, null);
        load();
      });
      tabs.set(k.kind, { button: b, count: n });
      return b;
    }),
  );

  function showCounts(counts) {
    for (const [k, t] of tabs) t.count.textContent = `(${count(counts?.[k] ?? 0)})`;
  }

  async function refreshCounts() {
    try {
      showCounts((await api('GET', `/api/reviews/moderation?kind=${kind}&limit=1`)).counts);
    } catch {
      // the counts stay as they were; the next load reads them again
    }
  }

  async function load(append = false) {
    const asked = ++serial;
    let page;
    try {
      const after = append && next ? `&after=${encodeURIComponent(next)}` : '';
      page = await api('GET', `/api/reviews/moderation?kind=${kind}&limit=${PAGE}${after}`);
    } catch (err) {
      if (asked === serial) say(message, new Error(`The queue cannot be shown: ${err.message}`));
      return;
    }
    if (asked !== serial) return; // another tab was chosen meanwhile
    showCounts(page.counts);
    next = page.next;
    const names = await productNames(
      api,
      page.reviews.map((r) => r.sku),
    );
    const cards = page.reviews.map((r) => card(r, names.get(r.sku)));
    if (append) list.append(...cards);
    else list.replaceChildren(...cards);
    if (!list.children.length)
      list.replaceChildren(h('p', { class: 'rv-empty' }, KINDS.find((k) => k.kind === kind).empty));
    more.replaceChildren(
      next
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: async (e) => {
                const before = list.children.length;
                e.currentTarget.disabled = true;
                await load(true);
                // the first card of the new page takes the focus, where reading goes on
                list.children[before]?.querySelector('h3')?.focus();
              },
            },
            'Older',
          )
        : '',
    );
    return cards;
  }

  /** Takes a decided card out, moves the focus to the next card (or the tabs), and reads the counts again. */
  function leave(el) {
    const after = el.nextElementSibling ?? el.previousElementSibling;
    el.remove();
    if (!list.children.length)
      list.replaceChildren(h('p', { class: 'rv-empty' }, KINDS.find((k) => k.kind === kind).empty));
    const target = after?.querySelector('button') ?? tabs.get(kind).button;
    target.focus();
    refreshCounts();
  }

  function card(r, name) {
    const id = `rv-${r.id}`;
    const noteId = `${id}-note`;
    const note = h('textarea', { id: noteId, rows: 2, maxlength: 500 });
    const el = h(
      'article',
      { class: 'rv-card', 'aria-labelledby': `${id}-title` },
      h(
        'h3',
        { id: `${id}-title`, tabindex: -1 },
        name ? [name, ' ', h('span', { class: 'sku' }, r.sku)] : h('span', { class: 'sku' }, r.sku),
      ),
      h('p', { class: 'rv-head' }, stars(r.rating), ' ', h('strong', {}, r.title)),
      h('p', { class: 'rv-body' }, r.body),
      h(
        'p',
        { class: 'rv-meta' },
        `by ${r.author} · ${when(r.createdAt)}`,
        r.revision > 1 ? ` · edited (${count(r.revision - 1)}×)` : '',
        ' ',
        r.verified
          ? h('span', { class: 'badge ok' }, 'Verified purchase')
          : h('span', { class: 'badge' }, 'Not verified'),
      ),
      fraud(r),
      reports(r),
      r.moderation
        ? h(
            'p',
            { class: 'hint' },
            `Last decision ${when(r.moderation.at)}`,
            r.moderation.note ? `: “${r.moderation.note}”` : '',
          )
        : '',
      h('div', { class: 'rv-note' }, h('label', { for: noteId }, 'Note (optional)'), note),
      h(
        'div',
        { class: 'actions' },
        buttons(r, () => el, note),
      ),
    );
    return el;
  }

  function fraud(r) {
    const reasons = r.fraud?.reasons ?? [];
    return h(
      'div',
      { class: 'rv-fraud' },
      h(
        'p',
        {},
        h('strong', {}, `Fraud score ${percent(r.fraud?.score)}`),
        r.fraud?.modelVersion ? ` (text model version ${r.fraud.modelVersion})` : '',
      ),
      reasons.length
        ? h(
            'ul',
            {},
            reasons.map((x) =>
              h(
                'li',
                {},
                h('span', { class: 'rv-reason' }, REASON_NAMES[x.code] ?? x.code),
                ': ',
                x.detail,
                ' ',
                h('span', { class: 'rv-weight' }, `weight ${percent(x.weight)}`),
              ),
            ),
          )
        : h('p', { class: 'hint' }, 'No rule or model said anything against it.'),
    );
  }

  function reports(r) {
    if (!r.reports?.length) return '';
    return h(
      'div',
      { class: 'rv-reports' },
      h('p', {}, h('strong', {}, `Open reports (${count(r.reports.length)})`)),
      h(
        'ul',
        {},
        r.reports.map((p) =>
          h('li', {}, `${REPORT_NAMES[p.reason] ?? p.reason}, ${when(p.at)}`, p.note ? `: “${p.note}”` : ''),
        ),
      ),
    );
  }

  /** The refusal's reason, asked in the confirm dialog (the text model learns "generated" from "Fake" only). */
  function reasonField(r) {
    const id = `rv-reason-${r.id}`;
    const select = h(
      'select',
      { id },
      Object.entries(REJECT_REASON_NAMES).map(([value, name]) => h('option', { value }, name)),
    );
    select.value = 'OTHER';
    return {
      field: h(
        'p',
        {},
        h('label', { for: id }, 'Why? '),
        select,
        h('span', { class: 'hint' }, ' Only “Fake or generated” teaches the text model.'),
      ),
      value: () => select.value,
    };
  }

  function buttons(r, cardOf, note) {
    const label = `“${r.title}”`;
    const act = async (button, path, body, done) => {
      button.disabled = true;
      try {
        await api('POST', path, { ...body, note: note.value.trim() || undefined }, { 'Idempotency-Key': newKey() });
        say(message, null, done);
        leave(cardOf());
      } catch (err) {
        button.disabled = false;
        say(message, err);
        // another moderator decided first: what the list shows is old
        if (err.status === 409 || err.status === 404) load();
      }
    };
    const decide = (decision, reason) => (e) =>
      act(
        e.currentTarget,
        `/api/reviews/${r.id}/moderation`,
        { decision, seen: r.status, reason },
        `${decision === 'APPROVE' ? 'Approved' : 'Rejected'} ${label}.`,
      );
    const approve = h('button', { type: 'button', onclick: decide('APPROVE') }, 'Approve');
    const reject = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async (e) => {
          const b = e.currentTarget;
          const why = reasonField(r);
          const ok = await confirmDialog({
            title: 'Reject this review?',
            body: [
              h('p', {}, `${label} by ${r.author} will not be shown to customers or in the stores.`),
              why.field,
              note.value.trim() ? h('p', {}, `Note: ${note.value.trim()}`) : '',
            ],
            confirm: 'Reject',
          });
          if (ok) await decide('REJECT', why.value())({ currentTarget: b });
        },
      },
      'Reject…',
    );
    if (r.reports?.length && kind === 'REPORTED') {
      const keep = h(
        'button',
        {
          type: 'button',
          onclick: (e) =>
            act(
              e.currentTarget,
              `/api/reviews/${r.id}/reports/resolve`,
              { remove: false },
              `Kept ${label}; reports closed.`,
            ),
        },
        'Keep it',
      );
      const remove = h(
        'button',
        {
          type: 'button',
          class: 'danger',
          onclick: async (e) => {
            const b = e.currentTarget;
            const why = reasonField(r);
            const ok = await confirmDialog({
              title: 'Remove this review?',
              body: [h('p', {}, `${label} by ${r.author} will be refused and the reports closed.`), why.field],
              confirm: 'Remove',
            });
            if (ok)
              await act(
                b,
                `/api/reviews/${r.id}/reports/resolve`,
                { remove: true, reason: why.value() },
                `Removed ${label}; reports closed.`,
              );
          },
        },
        'Remove it…',
      );
      return [keep, remove];
    }
    if (r.status === 'REJECTED') return [approve];
    if (r.status === 'APPROVED') return [reject];
    return [approve, reject];
  }

  section.append(
    h('h2', { id: 'rv-queue-title' }, 'Moderation queue'),
    h(
      'p',
      { class: 'hint' },
      'Oldest first. Approve shows a review to customers and in the stores; Reject keeps it off. A note is kept with the decision and the text model learns from it.',
    ),
    tabBar,
    message,
    list,
    more,
  );
  return { section, load: () => load() };
}
