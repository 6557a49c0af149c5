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
    what: 'This browser will open only the pickup page: orders to hand over, curbside arrivals and no-shows. The start page, the POS, the handheld page and the kiosk will be refused in it, in every tab, until you undo it.',
    go: 'Make this browser the pickup desk',
  },
};

const dialog = document.getElementById('screen-confirm');
const go = document.getElementById('screen-go');
let chosen = 'pos';
for (const button of document.querySelectorAll('[data-screen]')) {
  button.addEventListener('click', () => {
    chosen = button.dataset.screen;
    const job = JOBS[chosen];
    document.getElementById('screen-confirm-title').textContent = job.title;
    document.getElementById('screen-confirm-what').textContent = job.what;
    go.textContent = job.go;
    dialog.showModal();
  });
}
go.addEventListener('click', () => {
  location.href = `/screens/${chosen}`;
});
