// Staff at the lane (issue #27): the PIN pad that signs a person in at this POS lane, the "Sign out" button beside
// the lane's title, and the manager's PIN modal the POS page opens before a void, a refund over the limit, a price
// override or a no-sale drawer open. The PIN is typed on the pad or the keyboard (digits, Backspace, Enter; Esc
// clears, or cancels a manager's approval) and is never shown: dots only. Everything is checked by the store node,
// offline too. The page's own script reads `window.storefleetStaff`:
//   approve(action, target) → Promise<approvalId | null>  (null: cancelled)
//   current() → { userId, name, role } | null
import { callJson, h } from '/shared/dom.js';

const UNREACHABLE = 'This screen cannot reach the store node. Check the cable or Wi-Fi.';
const ACTIONS = {
  VOID: 'void this sale',
  REFUND_OVER_LIMIT: 'refund this much',
  PRICE_OVERRIDE: 'override the price',
  NO_SALE: 'open the drawer with no sale',
};
const MAX_DIGITS = 8;
/** How often the page asks who is signed in here (an idle lane is signed out by the node after 15 minutes). */
const RECHECK_MS = 30_000;

let me = null;
/** The dialog open now (sign-in or a manager's approval), whose pad takes the keyboard. */
let openPad = null;

/**
 * A PIN pad: dots for the digits typed, 0–9, Clear and Enter buttons (64 px), and a message line. `submit(pin)`
 * resolves to an error text (shown, the pad cleared) or null (done).
 */
function pinPad(label, submit) {
  let pin = '';
  let busy = false;
  const dots = h('div', { class: 'pin-dots', role: 'status', tabindex: '-1', 'aria-label': label });
  const msg = h('div', { class: 'pin-msg' });
  const draw = () => {
    dots.textContent = pin ? '●'.repeat(pin.length) : '';
    dots.setAttribute('aria-label', `${label}: ${pin.length} ${pin.length === 1 ? 'digit' : 'digits'} typed`);
  };
  const say = (text) => msg.replaceChildren(text ? h('p', { role: 'alert', class: 'error' }, text) : '');
  const enter = async () => {
    if (busy) return;
    if (pin.length < 4) return say('A PIN is 4 to 8 digits.');
    busy = true;
    pad.setAttribute('aria-busy', 'true');
    const typed = pin;
    pin = '';
    draw();
    try {
      say((await submit(typed)) ?? '');
    } finally {
      busy = false;
      pad.removeAttribute('aria-busy');
    }
  };
  const key = (d) => {
    if (busy || pin.length >= MAX_DIGITS) return;
    pin += d;
    draw();
    say('');
  };
  const clear = () => {
    pin = '';
    draw();
  };
  const digit = (d) => h('button', { type: 'button', class: 'pin-key', onclick: () => key(d) }, d);
  const pad = h(
    'div',
    { class: 'pin-pad', role: 'group', 'aria-label': 'PIN pad' },
    ...'123456789'.split('').map(digit),
    h('button', { type: 'button', class: 'pin-key secondary', onclick: clear, 'aria-label': 'Clear the PIN' }, 'Clear'),
    digit('0'),
    h('button', { type: 'button', class: 'pin-key pin-enter', onclick: enter }, 'Enter'),
  );
  draw();
  return {
    el: h('div', { class: 'pin-box' }, dots, pad, msg),
    say,
    clear,
    disabled(on) {
      for (const b of pad.querySelectorAll('button')) b.disabled = on;
    },
    onKey(e) {
      if (/^[0-9]$/.test(e.key)) key(e.key);
      else if (e.key === 'Backspace') {
        pin = pin.slice(0, -1);
        draw();
      } else if (e.key === 'Enter') void enter();
      else return false;
      return true;
    },
  };
}

/** The keyboard belongs to the open pad: digits, Backspace and Enter never reach the POS page's own keys. */
window.addEventListener(
  'keydown',
  (e) => {
    if (!openPad) return;
    const onButton = e.target instanceof HTMLButtonElement && (e.key === 'Enter' || e.key === ' ');
    if (onButton) return; // a focused pad button pressed with Enter or Space does its own thing
    if (openPad.pad.onKey(e)) {
      e.preventDefault();
      e.stopPropagation();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      openPad.escape();
    } else if (!e.key.startsWith('Tab') && !e.key.startsWith('Shift')) e.stopPropagation();
  },
  true,
);

function laneWords() {
  return me?.lane ? `lane ${me.lane}` : 'the back office';
}

/** Why sign-in failed, in words: the node's own (a wrong PIN and the tries left, a locked lane and for how long). */
const failure = (err) => (err.status === 429 ? err.message : err.message || 'That did not work: try again.');

// --- sign-in ---------------------------------------------------------------------------------------------------
const signInTitle = h('h2', { id: 'staff-sign-in-title' }, 'Sign in');
const signInHelp = h('p', { class: 'muted' }, 'Type your PIN on the pad or the keyboard, then Enter.');
const signInPad = pinPad('Your PIN', async (pin) => {
  try {
    const out = await callJson('POST', '/api/staff/sign-in', { pin }, UNREACHABLE);
    if (!out.signedIn) return out.detail;
    me = { ...me, person: out.person };
    closeSignIn();
    drawBar();
    window.dispatchEvent(new CustomEvent('storefleet:staff', { detail: out.person }));
    return null;
  } catch (err) {
    return failure(err);
  }
});
const signInDialog = h(
  'dialog',
  { id: 'staff-sign-in', class: 'staff-dialog staff-full', 'aria-labelledby': 'staff-sign-in-title' },
  h('div', { class: 'staff-inner' }, signInTitle, signInHelp, signInPad.el),
);
signInDialog.addEventListener('cancel', (e) => e.preventDefault()); // Esc does not leave an unsigned lane

function openSignIn() {
  signInTitle.textContent = `Sign in at ${laneWords()}`;
  const noRoster = me && me.roster.people === 0;
  signInPad.disabled(noRoster);
  signInPad.clear();
  if (noRoster)
    signInPad.say(
      'No staff list has reached this store yet, so nobody can sign in. The store node gets it from head office once it is online.',
    );
  else if (me?.lockedForSeconds)
    signInPad.say(
      `Sign-in here is locked after 5 wrong PINs: try again in ${Math.max(1, Math.ceil(me.lockedForSeconds / 60))} min.`,
    );
  else signInPad.say('');
  if (!signInDialog.open) signInDialog.showModal();
  openPad = { pad: signInPad, escape: () => signInPad.clear() };
  signInDialog.querySelector('.pin-dots')?.focus();
}
function closeSignIn() {
  if (signInDialog.open) signInDialog.close();
  if (openPad?.pad === signInPad) openPad = null;
}

// --- the bar: who is at the lane, Sign out ------------------------------------------------------------------------
const who = h('span', { id: 'staff-who', class: 'staff-who' });
const signOutButton = h(
  'button',
  {
    type: 'button',
    id: 'staff-sign-out',
    class: 'secondary',
    onclick: async () => {
      try {
        await callJson('POST', '/api/staff/sign-out', {}, UNREACHABLE);
      } catch {
        // the node is unreachable: the lane stays signed in there; the screen asks again below
      }
      await refresh();
    },
  },
  'Sign out',
);
function drawBar() {
  const person = me?.person;
  who.textContent = person ? `Signed in: ${person.name}${person.role === 'STORE_MANAGER' ? ' (manager)' : ''}` : '';
  signOutButton.hidden = !person;
}

async function refresh() {
  try {
    me = await callJson('GET', '/api/staff/me', undefined, UNREACHABLE);
  } catch {
    return; // unreachable: the page says so in its status bar; nothing changes here
  }
  drawBar();
  if (me.enforced && !me.person) {
    if (!signInDialog.open && !approvalDialog.open) openSignIn();
  } else closeSignIn();
}

// --- a manager's approval ---------------------------------------------------------------------------------------
const approvalTitle = h('h2', { id: 'staff-approval-title' }, 'Manager approval');
const approvalWhat = h('p', {});
let approving = null;
const approvalPad = pinPad('Manager’s PIN', async (pin) => {
  if (!approving) return null;
  try {
    const out = await callJson('POST', '/api/staff/approvals', { pin, ...approving.ask }, UNREACHABLE);
    if (!out.approved) return out.detail;
    finishApproval(out.approvalId);
    return null;
  } catch (err) {
    return failure(err);
  }
});
const approvalDialog = h(
  'dialog',
  { id: 'staff-approval', class: 'staff-dialog', 'aria-labelledby': 'staff-approval-title' },
  approvalTitle,
  approvalWhat,
  approvalPad.el,
  h(
    'div',
    { class: 'row' },
    h(
      'button',
      { type: 'button', class: 'secondary', onclick: () => finishApproval(null) },
      'Cancel',
      ' ',
      h('kbd', {}, 'Esc'),
    ),
  ),
);
approvalDialog.addEventListener('cancel', (e) => {
  e.preventDefault();
  finishApproval(null);
});

function finishApproval(id) {
  const done = approving;
  approving = null;
  if (approvalDialog.open) approvalDialog.close();
  if (openPad?.pad === approvalPad) openPad = null;
  done?.resolve(id);
}

/** Asks a store manager's PIN for `action` on `target` ({saleId, sku, amountMinor}); the approval's id or null. */
function approve(action, target = {}) {
  finishApproval(null); // one at a time
  const ask = { action, ...target };
  for (const k of Object.keys(ask)) if (ask[k] === undefined || ask[k] === null) delete ask[k];
  return new Promise((resolve) => {
    approving = { ask, resolve };
    approvalWhat.textContent = `A store manager’s PIN is needed to ${ACTIONS[action] ?? action}${target.saleId ? ` (sale ${target.saleNumber ?? target.saleId})` : ''}.`;
    delete ask.saleNumber;
    approvalPad.clear();
    approvalPad.say('');
    approvalDialog.showModal();
    openPad = { pad: approvalPad, escape: () => finishApproval(null) };
    approvalDialog.querySelector('.pin-dots')?.focus();
  });
}

window.storefleetStaff = { approve, current: () => me?.person ?? null, refresh };

function mount() {
  const bar = h(
    'div',
    { id: 'staff-bar', class: 'staff-bar', role: 'region', 'aria-label': 'Staff at this lane' },
    who,
    signOutButton,
  );
  const slot = document.getElementById('staff-slot');
  if (slot) slot.replaceChildren(bar);
  else document.querySelector('main')?.prepend(bar);
  document.body.append(signInDialog, approvalDialog);
  drawBar();
  void refresh();
  setInterval(() => void refresh(), RECHECK_MS);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
