// The store node's start page (staff): links to the staff pages. Kept out of index.html: the pages allow no inline
// script (Content-Security-Policy).
import { statusBar } from '/store.js';

statusBar('Storefleet');

// Opening the kiosk makes this browser a kiosk screen (staff pages refused): only after a confirmation that says how
// to undo it.
const confirm = document.getElementById('kiosk-confirm');
document.getElementById('kiosk-open').addEventListener('click', () => confirm.showModal());
document.getElementById('kiosk-go').addEventListener('click', () => {
  location.href = '/kiosk.html';
});
