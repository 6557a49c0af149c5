// The store node's start page (staff): what each screen is for, and what needs attention. Kept out of index.html: the
// pages allow no inline script (Content-Security-Policy).
import { api, h, statusBar } from '/store.js';

statusBar('Storefleet');

// Opening the kiosk makes this browser a kiosk screen (staff pages refused): only after a confirmation that says how
// to undo it. GET /screens/kiosk keeps the marker 400 days and opens the kiosk (opening /kiosk.html alone marks the
// browser for its session only).
const confirm = document.getElementById('kiosk-confirm');
document.getElementById('kiosk-open').addEventListener('click', () => confirm.showModal());
document.getElementById('kiosk-go').addEventListener('click', () => {
  location.href = '/screens/kiosk';
});

// Devices that are not working: a staff member opening the start page sees them before a customer does.
const attention = document.getElementById('attention');
let last = '';
async function checkDevices() {
  try {
    const { items } = await api('GET', '/api/devices');
    const down = items.filter((d) => d.state !== 'open' && d.state !== 'opening');
    const text = down.map((d) => d.label).join(', ');
    if (text === last) return;
    last = text;
    attention.replaceChildren(
      down.length
        ? h(
            'p',
            { class: 'notice' },
            `${down.length === 1 ? 'A device is' : `${down.length} devices are`} not working: ${text}. `,
            h('a', { href: '/handheld.html#devices' }, 'See devices'),
          )
        : '',
    );
  } catch {
    // The status bar above already says when the node cannot be reached.
  }
}
await checkDevices();
setInterval(checkDevices, 10_000);
