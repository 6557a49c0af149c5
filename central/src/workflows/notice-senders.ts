import type { HubSettings } from '../kernel/hub-settings.js';
import { redactUrls, urlHasCredentials } from '../kernel/redact-url.js';
import {
  cleanReason,
  NoticeDeferredError,
  NoticeRefusedError,
  SimulatedNotifier,
  type CustomerNotifier,
} from './notifications.js';
import type { CustomerNotification } from './repository.js';

/** How long the sender may take to answer one notice before it counts as down (the notice waits for the next drain). */
export const NOTICE_TIMEOUT_MS = 5_000;
/** At most this much of an error answer is read (for its reason); a 2xx answer's body is not read at all. */
const ERROR_BODY_BYTES = 4_096;

/** The sender will refuse this notice again, whatever we do: the notice is marked failed. */
const REFUSED = new Set([400, 410, 422]);
/** The sender is busy or timed out on its side: try later (after its Retry-After when it gave one). */
const BUSY = new Set([408, 425, 429]);
/** The hub is pointed at the wrong place or with the wrong credentials: staff must fix it; notices wait. */
const MISCONFIGURED: Record<number, string> = {
  401: 'check NOTIFICATIONS_SENDER_TOKEN',
  403: 'check NOTIFICATIONS_SENDER_TOKEN',
  404: 'check NOTIFICATIONS_SENDER_URL',
  405: 'check NOTIFICATIONS_SENDER_URL',
};

/**
 * The notice sender over HTTP (`NOTIFICATIONS_SENDER=http`, `NOTIFICATIONS_SENDER_URL`, optionally
 * `NOTIFICATIONS_SENDER_TOKEN` sent as `Authorization: Bearer`): each notice is one POST of its JSON (`id`,
 * `customerId`, `orderId`, the order's number as the customer knows it `orderNumber` (`SF-10482`, null without an
 * order), `kind`, `message`, `createdAt`) to the URL, with the notice's id as `Idempotency-Key` (a notice is sent at
 * least once: the sender dedupes by it). What an answer means:
 * - 2xx: sent (its body is not read);
 * - 400, 410, 422: refused for good (`NoticeRefusedError`, with the status and the sender's reason);
 * - 408, 425, 429: busy, tried later (after Retry-After, in seconds or as a date, when given);
 * - a redirect (not followed: a notice is POSTed only where it was configured to go), 401, 403, 404, 405 or another
 *   4xx: the hub or the sender is misconfigured; the notice waits and the hub logs an error;
 * - 5xx, a timeout or no connection: the sender is down; the notice waits.
 * Every error says which notice and what the sender said, never the token, and the URL only without its credentials
 * or query.
 */
export class HttpCustomerNotifier implements CustomerNotifier {
  readonly #url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(url: string, options: { readonly timeoutMs?: number; readonly token?: string | undefined } = {}) {
    if (urlHasCredentials(url))
      throw new TypeError(
        `the notice sender's URL ${redactUrls(url)} carries a user or password; pass a token instead (NOTIFICATIONS_SENDER_TOKEN)`,
      );
    this.#url = url;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? NOTICE_TIMEOUT_MS;
  }

  async send(notice: CustomerNotification, signal?: AbortSignal): Promise<void> {
    const body = {
      id: notice.id,
      customerId: notice.customerId,
      orderId: notice.orderId,
      orderNumber: notice.orderNumber,
      kind: notice.kind,
      message: notice.message,
      createdAt: notice.createdAt,
    };
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': notice.id,
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      throw new NoticeDeferredError(`the notice sender did not answer: ${this.#redact(whyNoAnswer(err))}`, {
        senderWide: true,
      });
    }
    if (res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return;
    }
    const status = res.status;
    const answer = `${status}${this.#redact(await reason(res))}`;
    if (REFUSED.has(status))
      throw new NoticeRefusedError(`the notice sender refused notice ${notice.id}: ${answer}`, answer);
    if (BUSY.has(status))
      throw new NoticeDeferredError(`the notice sender asked to wait (notice ${notice.id}): ${answer}`, {
        senderWide: true,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after'), Date.now()),
      });
    if (status >= 500) throw new NoticeDeferredError(`the notice sender failed on notice ${notice.id}: ${answer}`);
    const fix =
      status >= 300 && status < 400
        ? 'redirects are not followed: set NOTIFICATIONS_SENDER_URL to the endpoint itself'
        : (MISCONFIGURED[status] ?? 'check NOTIFICATIONS_SENDER_URL and the sender');
    throw new NoticeDeferredError(`the notice sender answered ${answer} to notice ${notice.id}; ${fix}`, {
      senderWide: true,
      misconfigured: true,
    });
  }

  /** Error text with no URL credentials or query, and never the token. */
  #redact(text: string): string {
    const clean = redactUrls(text);
    return this.#token ? clean.split(this.#token).join('***') : clean;
  }
}

/** Why fetch threw, with the system error's code when there is one (`fetch failed (ECONNREFUSED)`). */
function whyNoAnswer(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  if (e?.name === 'TimeoutError') return 'no answer in time';
  const code = typeof e?.cause?.code === 'string' ? ` (${e.cause.code})` : '';
  return `${typeof e?.message === 'string' ? e.message : String(err)}${code}`;
}

/**
 * What the sender said, cleaned (a problem+json `detail` when it sent one, else the text), read from at most the first
 * 4 kB of the answer; the rest is not downloaded.
 */
async function reason(res: Response): Promise<string> {
  const text = await readAtMost(res, ERROR_BODY_BYTES).catch(() => '');
  if (!text.trim()) return '';
  let said = text;
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    if (typeof detail === 'string') said = detail;
  } catch {
    // not JSON (or cut short): the text itself
  }
  return ` ${cleanReason(said)}`;
}

async function readAtMost(res: Response, bytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let got = 0;
  try {
    while (got < bytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      got += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, bytes));
}

/** Retry-After as ms from `now`: whole seconds or an HTTP date; undefined when absent or not one of those. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  const v = header?.trim();
  if (!v) return undefined;
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) && /[a-z]/i.test(v) ? Math.max(0, at - now) : undefined;
}

/** The sender the hub's settings name (see hub-settings.ts: the simulator in demo/test mode when none is), or none. */
export function notifierFor(choice: HubSettings['notifications']): CustomerNotifier | undefined {
  if (!choice) return undefined;
  return choice.adapter === 'http'
    ? new HttpCustomerNotifier(choice.url, { token: choice.token })
    : new SimulatedNotifier();
}
