// Pairs a handheld with the store node: the code from a trusted screen buys a device token (a cookie).
import { api, say } from '/store.js';

const $ = (id) => document.getElementById(id);
$('pair-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const { device } = await api('POST', '/api/pairing/pair', {
      code: $('pair-code').value.trim(),
      name: $('pair-name').value.trim(),
    });
    say($('pair-msg'), null, 'Paired. Opening your page…');
    // A kiosk reaches only the kiosk page, whatever page sent it here.
    const then = new URLSearchParams(location.search).get('then');
    location.href =
      device.role === 'kiosk'
        ? '/kiosk.html'
        : then?.startsWith('/') && !then.startsWith('//')
          ? then
          : '/handheld.html';
  } catch (err) {
    // A retry of a pairing whose answer was lost: the node paired the device the first time and shows a token once.
    const lostAnswer = err.retried && err.status === 409 && err.retryAfter === undefined;
    say(
      $('pair-msg'),
      lostAnswer ? new Error('This device may already be paired: reload the page, or ask for a new code.') : err,
    );
    if (!lostAnswer && err.status !== undefined && err.status < 500) $('pair-code').select(); // type the new code over it
  }
});
