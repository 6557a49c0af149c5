// Customer accounts (issue #26), head office only: find an account by e-mail, see its live sessions and last sign-in,
// sign it out everywhere; and the state of the e-mail outbox that carries sign-in codes and reset links.
export default async function render({ el, api }) {
  el.innerHTML = `
    <h1>Customer accounts</h1>
    <form id="find"><label>E-mail contains <input name="q" required maxlength="200"></label> <button>Find</button></form>
    <table><thead><tr><th>E-mail</th><th>Live sessions</th><th>Last sign-in</th><th></th></tr></thead><tbody id="rows"></tbody></table>
    <h2>E-mail outbox</h2><p id="counts"></p>
    <table><thead><tr><th>To</th><th>Subject</th><th>State</th><th>Tries</th><th>Queued</th></tr></thead><tbody id="mail"></tbody></table>`;
  const text = (s) => document.createTextNode(s ?? '');
  const row = (cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      td.append(c instanceof Node ? c : text(String(c)));
      tr.append(td);
    }
    return tr;
  };
  const showOutbox = async () => {
    const { counts, recent } = await api('GET', '/api/accounts/outbox');
    el.querySelector('#counts').textContent = `queued ${counts.queued} · sent ${counts.sent} · failed ${counts.failed}`;
    el.querySelector('#mail').replaceChildren(
      ...recent.map((m) => row([m.to, m.subject, m.state, m.attempts, m.createdAt])),
    );
  };
  const find = async (q) => {
    const { items } = await api('GET', `/api/accounts?q=${encodeURIComponent(q)}`);
    el.querySelector('#rows').replaceChildren(
      ...items.map((a) => {
        const out = document.createElement('button');
        out.textContent = 'Sign out everywhere';
        out.addEventListener('click', async () => {
          await api('POST', `/api/accounts/${a.customerId}/sign-out-everywhere`);
          await find(q);
        });
        return row([a.email, a.activeSessions, a.lastSignInAt ?? 'never', out]);
      }),
    );
  };
  el.querySelector('#find').addEventListener('submit', (e) => {
    e.preventDefault();
    find(new FormData(e.target).get('q'));
  });
  await showOutbox();
}
