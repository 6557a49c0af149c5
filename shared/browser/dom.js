// Browser helpers shared by the hub's console and the store's pages (served by both as /shared/dom.js).

/** Creates an element: h('td', { class: 'n' }, 'text', child…). Strings become text, never HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/**
 * Calls a JSON API on the page's own server; throws an Error carrying the problem+json detail (and `status`, and
 * `retryAfter` when the server sent one) on a refusal, or `unreachable` (no `status`) when the server cannot be reached
 * at all. `headers` are added to the request (e.g. an Idempotency-Key).
 */
export async function callJson(method, path, body, unreachable = 'The server cannot be reached.', headers = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error(unreachable);
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(data.detail || data.title || `${method} ${path} failed (${res.status})`);
    err.status = res.status;
    err.problem = data; // the whole problem, for pages that act on its extras (a lane's staffSignIn, say)
    if (res.headers.has('retry-after')) err.retryAfter = res.headers.get('retry-after');
    throw err;
  }
  return data;
}

/** Shows an error (an alert), or a success message (a status), or clears the area. */
export function say(area, err, ok) {
  area.replaceChildren(
    err
      ? h('p', { role: 'alert', class: 'error' }, err.message ?? String(err))
      : ok
        ? h('p', { role: 'status', class: 'ok' }, ok)
        : '',
  );
}

export const money = (minor, currency = 'USD') =>
  new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 100);
