// The shop page's only ways to the hub: POST /graphql, and graphql-ws on the same path for live updates.
// The session is the hub's sf_customer cookie (HttpOnly): the page never holds a token.

/** An error the hub answered, with its GraphQL code (UNAUTHENTICATED, NOT_FOUND, BAD_USER_INPUT…) when it gave one. */
export class HubError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** The session's CSRF token, from the readable `sf_csrf` cookie the hub sets at sign-in (issue #27). */
function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'sf_csrf') return decodeURIComponent(value.join('='));
  }
  return undefined;
}

async function post(query, variables) {
  const token = csrfToken();
  return fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { 'X-CSRF-Token': token } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
}

/**
 * Runs one operation; answers its `data`, or throws a HubError with the first error's message as the hub wrote it.
 * Every call carries the session's CSRF token (a POST with the session cookie needs it); a refusal for a missing or
 * stale token (the cookie was lost) asks the hub for it again once and sends the operation again.
 */
export async function gql(query, variables = {}) {
  let res;
  try {
    res = await post(query, variables);
    if (
      res.status === 403 &&
      (
        await res
          .clone()
          .json()
          .catch(() => ({}))
      )?.detail?.startsWith('missing or wrong CSRF')
    ) {
      await fetch('/api/auth/csrf', { credentials: 'same-origin', headers: { accept: 'application/json' } });
      res = await post(query, variables);
    }
  } catch {
    throw new HubError('The shop cannot be reached. Check your connection and try again.');
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new HubError(`The shop answered ${res.status} without a readable body.`);
  }
  const first = body?.errors?.[0];
  if (first) throw new HubError(first.message, first.extensions?.code);
  // a refusal before GraphQL ran (problem+json: a malformed request, a limit)
  if (!res.ok || !body?.data) throw new HubError(body?.detail ?? body?.title ?? `The shop answered ${res.status}.`);
  return body.data;
}

/**
 * A small graphql-ws client (the `graphql-transport-ws` subprotocol) over the browser's WebSocket: one socket, any
 * number of subscriptions, re-subscribed after a reconnect (backing off to 30 s). `restart()` opens a new socket —
 * the hub decides who a socket is when it opens, so the page restarts it after signing in or out.
 */
export class LiveSocket {
  #ws;
  #acked = false;
  #subs = new Map();
  #next = 1;
  #retryMs = 500;
  #timer;
  /** `onState(text)`: "live", "reconnecting"… for the page to show. */
  constructor(onState = () => {}) {
    this.onState = onState;
  }

  /** Subscribes; `onNext(data)` per result, `onError(HubError)` when the hub refuses it. Answers a stop function. */
  subscribe(query, variables, onNext, onError) {
    const id = String(this.#next++);
    this.#subs.set(id, { query, variables, onNext, onError });
    if (this.#acked) this.#send({ id, type: 'subscribe', payload: { query, variables } });
    else this.#open();
    return () => {
      if (!this.#subs.delete(id)) return;
      if (this.#acked) this.#send({ id, type: 'complete' });
    };
  }

  /** A new socket, as whoever the page's cookie now names; every subscription is sent again. */
  restart() {
    this.#drop();
    if (this.#subs.size) this.#open();
  }

  /** Stops every subscription and closes the socket. */
  stopAll() {
    this.#subs.clear();
    this.#drop();
  }

  #drop() {
    clearTimeout(this.#timer);
    this.#acked = false;
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, 'restart');
    }
  }

  #open() {
    if (this.#ws) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    const ws = new WebSocket(url, 'graphql-transport-ws');
    this.#ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    ws.onmessage = (ev) => this.#receive(ev.data);
    ws.onclose = () => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#acked = false;
      if (!this.#subs.size) return;
      this.onState('reconnecting');
      this.#timer = setTimeout(() => this.#open(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 30_000);
    };
  }

  #send(msg) {
    this.#ws?.send(JSON.stringify(msg));
  }

  #receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.type === 'connection_ack') {
      this.#acked = true;
      this.#retryMs = 500;
      this.onState('live');
      for (const [id, s] of this.#subs)
        this.#send({ id, type: 'subscribe', payload: { query: s.query, variables: s.variables } });
    } else if (msg.type === 'ping') this.#send({ type: 'pong' });
    else if (msg.type === 'next') {
      const s = this.#subs.get(msg.id);
      const err = msg.payload?.errors?.[0];
      if (err) s?.onError(new HubError(err.message, err.extensions?.code));
      else if (msg.payload?.data) s?.onNext(msg.payload.data);
    } else if (msg.type === 'error') {
      const s = this.#subs.get(msg.id);
      this.#subs.delete(msg.id);
      const err = Array.isArray(msg.payload) ? msg.payload[0] : undefined;
      s?.onError(new HubError(err?.message ?? 'The live update was refused.', err?.extensions?.code));
    } else if (msg.type === 'complete') this.#subs.delete(msg.id);
  }
}
