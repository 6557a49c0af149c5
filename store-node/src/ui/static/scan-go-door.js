// The Scan & Go exit (issue #25): an associate at the door, or a scanner that types the customer's exit code from the
// app and presses Enter. The store node checks each code offline (the hub's signature with the keys in the store's
// pricing copy, this store, the time window) and lets it out once:
// - green "OK — 3 items, $6.08": let the customer out;
// - amber "CHECK THIS BAG — 3 items": the hub drew this exit for a bag check; the associate counts the bag and records
//   what they counted (and whether it matches) with the form that opens below;
// - red "Do not let out" with why in plain words: forged, expired, paid at another store, already used at 14:32.
// Below, today's exits at this door with counts (passed, bags checked, waiting for a check, refused).
//
// Keyboard: the code field has focus; after a verdict it is emptied for the next scan (after CHECK THIS BAG the
// count field takes focus, and Escape or "Later" goes back to the code field).
import { api, h, money, statusBar, time } from '/store.js';

statusBar('Scan & Go exit');
const $ = (id) => document.getElementById(id);

let busy = false;
/** The store's currency (the node's pricing settings), for verdicts the node gives without one. */
let currency = 'USD';
/** Refusals of codes that never let anyone out (forged, expired, other store): the node keeps only the exits. */
let refusedHere = 0;
/** The exit whose bag check the form records. */
let auditing = null;

const items = (n) => `${n} item${n === 1 ? '' : 's'}`;
const amount = (minor, cur) => {
  try {
    return money(minor, cur || currency);
  } catch {
    return money(minor);
  }
};
/** The node's refusals are clauses ("do not let out: …"); on the screen they read as sentences. */
const sentence = (s) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/** Why a code may not let its customer out, in a few plain words, from the node's sentence. */
function headline(detail) {
  const used = /already used at (\d{1,2}:\d{2})/.exec(detail);
  if (used) return `already used at ${used[1]}`;
  if (/not genuine|signature/i.test(detail)) return 'forged code';
  if (/expired/i.test(detail)) return 'expired code';
  if (/another store/i.test(detail)) return 'paid at another store';
  if (/later than now/i.test(detail)) return 'not valid yet';
  if (/retired/i.test(detail)) return 'code signed with an old key';
  if (/does not know yet/i.test(detail)) return 'code this store cannot check yet';
  if (/not a scan & go exit code/i.test(detail)) return 'not an exit code';
  if (/not registered/i.test(detail)) return 'this store is not set up yet';
  return 'cannot check this code';
}

function showOk(v) {
  $('verdict').replaceChildren(
    h(
      'div',
      { class: 'sgd-ok' },
      h('p', { class: 'sgd-big' }, `✓ OK — ${items(v.itemCount)}, ${amount(v.totalMinor, v.currency)}`),
      h('p', { class: 'sgd-why' }, 'Paid in the app. Let the customer out.'),
      basket(v),
    ),
  );
}

function showCheck(v) {
  $('verdict').replaceChildren(
    h(
      'div',
      { class: 'sgd-check' },
      h('p', { class: 'sgd-big' }, `⚠ CHECK THIS BAG — ${items(v.itemCount)}`),
      h(
        'p',
        { class: 'sgd-why' },
        `Paid ${amount(v.totalMinor, v.currency)} in the app. Count the bag, then record what you counted below.`,
      ),
      basket(v),
    ),
  );
  openAudit(v.sessionId, v.itemCount, v.items);
}

function showRefusal(err) {
  const detail = String(err.message ?? err).replace(/^do not let out:\s*/i, '');
  $('verdict').replaceChildren(
    h(
      'div',
      { class: 'sgd-bad' },
      h('p', { class: 'sgd-big' }, `✗ Do not let out: ${headline(detail)}`),
      h('p', { class: 'sgd-why' }, sentence(detail)),
    ),
  );
}

/** What was paid for, when the store has the basket (it may not have arrived from the hub yet: the code is enough). */
function basket(v) {
  if (!Array.isArray(v.items) || !v.items.length) return '';
  return h(
    'ul',
    { 'aria-label': 'Paid for in the app' },
    v.items.map((l) => h('li', {}, `${l.qty} × ${l.name || l.sku}`)),
  );
}

function openAudit(sessionId, itemCount, lines) {
  auditing = { sessionId, itemCount };
  $('audit').hidden = false;
  $('audit-what').textContent = `Paid for: ${items(itemCount)}${
    Array.isArray(lines) && lines.length ? ` (${lines.map((l) => `${l.qty} × ${l.name || l.sku}`).join(', ')})` : ''
  }.`;
  $('audit-form').reset();
  $('audit-msg').replaceChildren();
  $('counted').focus();
}

function closeAudit() {
  auditing = null;
  $('audit').hidden = true;
  $('token').focus();
}

$('scan-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  if (!token || busy) return;
  busy = true;
  $('token').value = '';
  let audit = false;
  try {
    const v = await api('POST', '/api/scan-go/exit', { token });
    audit = v.audit;
    if (v.audit) showCheck(v);
    else showOk(v);
  } catch (err) {
    if (!/already used/.test(err.message ?? '')) refusedHere += 1;
    showRefusal(err);
  } finally {
    busy = false;
    if (!audit) $('token').focus();
    void refresh();
  }
});

$('audit-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!auditing) return;
  const msg = $('audit-msg');
  const raw = $('counted').value.trim();
  const counted = Number(raw);
  const matched = document.querySelector('input[name="matched"]:checked')?.value;
  if (raw === '' || !Number.isInteger(counted) || counted < 0 || counted > 10_000) {
    msg.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Type how many items you counted (a whole number).'));
    $('counted').setAttribute('aria-invalid', 'true');
    $('counted').focus();
    return;
  }
  $('counted').removeAttribute('aria-invalid');
  if (!matched) {
    msg.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Say whether the bag matches what was paid for.'));
    $('matched-yes').focus();
    return;
  }
  $('audit-save').disabled = true;
  try {
    const done = await api('POST', `/api/scan-go/exits/${encodeURIComponent(auditing.sessionId)}/audit`, {
      counted,
      matched: matched === 'yes',
    });
    const text = `Bag check recorded: ${items(done.counted)} counted, ${
      done.matched ? 'matches' : 'does NOT match'
    } the ${items(done.itemCount)} paid for.`;
    closeAudit();
    $('verdict').replaceChildren(
      h(
        'div',
        { class: done.matched ? 'sgd-ok' : 'sgd-bad' },
        h('p', { class: 'sgd-big' }, done.matched ? '✓ Bag checked' : '✗ Bag does not match'),
        h(
          'p',
          { class: 'sgd-why' },
          done.matched ? `${text} Let the customer out.` : `${text} Call a manager before the customer leaves.`,
        ),
      ),
    );
  } catch (err) {
    msg.replaceChildren(h('p', { class: 'error', role: 'alert' }, sentence(err.message ?? String(err))));
  } finally {
    $('audit-save').disabled = false;
    void refresh();
  }
});

$('audit-later').addEventListener('click', closeAudit);
$('audit').addEventListener('keydown', (e) => {
  if (e.key === 'Escape') closeAudit();
});

const OUTCOME = { PASSED: 'Let out', AUDIT_DUE: 'Bag check due', AUDITED: 'Bag checked' };

/** Today's exits at this door and the counts. */
async function refresh() {
  try {
    const { exits, counts } = await api('GET', '/api/scan-go/exits');
    const again = exits.reduce((n, x) => n + (x.refusedAgain ?? 0), 0);
    const refused = again + refusedHere;
    $('counts').textContent =
      `Today: passed ${counts.PASSED ?? 0} · bags checked ${counts.AUDITED ?? 0} · ` +
      `waiting for a bag check ${counts.AUDIT_DUE ?? 0} · refused ${refused}`;
    $('exits').replaceChildren(
      exits.length
        ? h(
            'table',
            {},
            h('caption', { class: 'visually-hidden' }, 'Exits today, newest first'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Time', 'Items', 'Paid', 'Outcome', 'Bag check'].map((t, i) =>
                  h('th', { scope: 'col', class: i === 1 || i === 2 ? 'n' : undefined }, t),
                ),
              ),
            ),
            h('tbody', {}, exits.map(row)),
          )
        : h('p', { class: 'muted' }, 'No Scan & Go customer has left through this door today.'),
    );
  } catch (err) {
    $('counts').textContent = `Today's exits could not be read: ${err.message}`;
  }
}

function row(x) {
  let check = '—';
  if (x.outcome === 'AUDITED')
    check = h(
      'span',
      { class: x.matched ? '' : 'sgd-mismatch' },
      `${items(x.counted ?? 0)} counted, ${x.matched ? 'matched' : 'did not match'}`,
    );
  else if (x.outcome === 'AUDIT_DUE')
    check = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'aria-label': `Record check: the exit at ${time(x.at)}, ${items(x.itemCount)}`,
        onclick: () => openAudit(x.sessionId, x.itemCount, null),
      },
      'Record check',
    );
  return h(
    'tr',
    {},
    h('td', {}, time(x.at)),
    h('td', { class: 'n' }, String(x.itemCount)),
    h('td', { class: 'n' }, amount(x.totalMinor)),
    h(
      'td',
      {},
      h('span', { class: `sgd-outcome-${x.outcome}` }, OUTCOME[x.outcome] ?? x.outcome),
      x.refusedAgain ? ` (shown again ${x.refusedAgain}×, refused)` : '',
    ),
    h('td', {}, check),
  );
}

try {
  currency = (await api('GET', '/api/pricing/status')).currency || currency;
} catch {
  // The status bar says when the node cannot be reached; amounts show in the default currency until then.
}
await refresh();
setInterval(refresh, 10_000); // other doors and handhelds let customers out too
