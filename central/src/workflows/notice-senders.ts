import type { HubSettings } from '../kernel/hub-settings.js';
import { NoticeRefusedError, SimulatedNotifier, type CustomerNotifier } from './notifications.js';
import type { CustomerNotification } from './repository.js';

/** How long the sender may take to answer one notice before it counts as down (the notice waits for the next drain). */
export const NOTICE_TIMEOUT_MS = 5_000;

/**
 * The notice sender over HTTP (`NOTIFICATIONS_SENDER=http`, `NOTIFICATIONS_SENDER_URL`): each notice is one POST of
 * its JSON to the URL, with the notice's id as `Idempotency-Key` (a notice is sent at least once: the sender dedupes
 * by it). A 2xx is sent; a 4xx is a refusal for good (`NoticeRefusedError`, with the status and the sender's reason);
 * a 5xx, a timeout or no connection is an outage (a plain Error: the notice waits for the next drain).
 */
export class HttpCustomerNotifier implements CustomerNotifier {
  constructor(
    readonly url: string,
    readonly timeoutMs = NOTICE_TIMEOUT_MS,
  ) {}

  async send(notice: CustomerNotification): Promise<void> {
    const body = {
      id: notice.id,
      customerId: notice.customerId,
      orderId: notice.orderId,
      kind: notice.kind,
      message: notice.message,
      createdAt: notice.createdAt,
    };
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notice.id },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new Error(`the notice sender did not answer: ${(err as Error).message}`, { cause: err });
    }
    const said = await reason(res);
    if (res.ok) return;
    if (res.status >= 400 && res.status < 500)
      throw new NoticeRefusedError(`the notice sender refused notice ${notice.id}: ${res.status}${said}`);
    throw new Error(`the notice sender failed on notice ${notice.id}: ${res.status}${said}`);
  }
}

/** The first 200 characters of what the sender said (a problem+json `detail` when it sent one), or nothing. */
async function reason(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  if (!text) return '';
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    if (typeof detail === 'string') return ` ${detail.slice(0, 200)}`;
  } catch {
    // not JSON: the text itself
  }
  return ` ${text.slice(0, 200)}`;
}

/** The sender the hub's settings name (see hub-settings.ts: the simulator in demo/test mode when none is), or none. */
export function notifierFor(choice: HubSettings['notifications']): CustomerNotifier | undefined {
  if (!choice) return undefined;
  return choice.adapter === 'http' ? new HttpCustomerNotifier(choice.url) : new SimulatedNotifier();
}
