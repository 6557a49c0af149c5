// "Use this screen as …" on the start page: sets this browser to one job (a POS lane or the pickup desk) after a
// confirmation that says what it will no longer open and how to undo it. The node sets the marker (GET /screens/…)
// and sends the browser to that page. Kept out of index.html: the pages allow no inline script (CSP).
const JOBS = {
  pos: {
    title: 'Make this browser a POS lane?',
    what: 'This browser will open only the POS page: sales, returns and voids. The start page, pickups, the handheld page and the kiosk will be refused in it, in every tab, until you undo it.',
    go: 'Make this browser a POS lane',
  },
  pickup: {
    title: 'Make this browser the pickup desk?',
    what: 'This browser will open only the pickup and delivery pages: orders to hand over, curbside arrivals, no-shows and bags for drivers. The start page, the POS, the handheld page and the kiosk will be refused in it, in every tab, until you undo it.',
    go: 'Make this browser the pickup desk',
  },
};

const dialog = document.getElementById('screen-confirm');
const go = document.getElementById('screen-go');
// A POS screen is one lane of the store: its sale numbers and its open basket are that lane's.
const laneField = document.getElementById('screen-lane-field');
const laneInput = document.getElementById('screen-lane');
const laneError = document.getElementById('screen-lane-error');
const showLaneError = (text) => {
  laneError.textContent = text;
  laneError.hidden = !text;
  laneInput.setAttribute('aria-invalid', text ? 'true' : 'false');
};
let chosen = 'pos';
for (const button of document.querySelectorAll('[data-screen]')) {
  button.addEventListener('click', () => {
    chosen = button.dataset.screen;
    const job = JOBS[chosen];
    document.getElementById('screen-confirm-title').textContent = job.title;
    document.getElementById('screen-confirm-what').textContent = job.what;
    go.textContent = job.go;
    laneField.hidden = chosen !== 'pos';
    showLaneError('');
    dialog.showModal();
    if (chosen === 'pos') laneInput.focus();
  });
}
go.addEventListener('click', () => {
  if (chosen !== 'pos') {
    location.href = `/screens/${chosen}`;
    return;
  }
  const lane = laneInput.value.trim().replace(/^0+(?=\d)/, '');
  if (!/^[1-9][0-9]?$/.test(lane)) {
    showLaneError('Type this till’s lane number, a whole number from 1 to 99.');
    laneInput.focus();
    return;
  }
  location.href = `/screens/pos?lane=${lane}`;
});
// Enter in the lane field makes the screen a POS lane, as the button does (the form would only close the dialog).
laneInput.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  e.preventDefault();
  go.click();
});
