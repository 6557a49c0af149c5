import { PaymentTimeoutError, type PaymentProvider, type PaymentStatus } from '../../kernel/ports/payments.js';

// The interface moved to the kernel (other modules take money through the same provider: kernel/ports/payments.ts).
export { PaymentTimeoutError, type PaymentProvider, type PaymentStatus };

export type SimulatedOutcome = 'approve' | 'decline' | 'timeout-then-approve' | 'timeout' | 'callback-before-answer';

interface Payment {
  status: PaymentStatus;
  amountMinor: number;
}

/**
 * The provider simulator: approves by default; tests queue outcomes (`next('decline')`). A timeout answers nothing
 * within `timeoutMs`, and with `timeout-then-approve` approves later and calls back (twice, as providers do);
 * `callback-before-answer` approves and delivers its callback before the answer to the call itself arrives.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly payments = new Map<string, Payment>();
  readonly #voided = new Set<string>();
  readonly #outcomes: SimulatedOutcome[] = [];
  onCallback: (key: string, status: PaymentStatus) => void = () => {};
  authorisations = 0;

  constructor(readonly timeoutMs = 200) {}

  next(...outcomes: SimulatedOutcome[]): this {
    this.#outcomes.push(...outcomes);
    return this;
  }

  /** Money the customer is out of for this key now. */
  charged(key: string): number {
    const p = this.payments.get(key);
    return p?.status === 'APPROVED' || p?.status === 'CAPTURED' ? p.amountMinor : 0;
  }

  async authorise(req: { key: string; amountMinor: number; currency: string }) {
    this.authorisations++;
    const existing = this.payments.get(req.key);
    if (existing?.status === 'APPROVED') return { approved: true as const, ref: `sim-${req.key}` };
    if (existing?.status === 'VOIDED' || this.#voided.has(req.key))
      return { approved: false as const, reason: 'voided' };
    const outcome = this.#outcomes.shift() ?? 'approve';
    if (outcome === 'decline') {
      this.payments.set(req.key, { status: 'DECLINED', amountMinor: req.amountMinor });
      return { approved: false as const, reason: 'insufficient funds' };
    }
    if (outcome === 'timeout' || outcome === 'timeout-then-approve') {
      if (outcome === 'timeout-then-approve') {
        setTimeout(() => {
          const voided = this.#voided.has(req.key);
          this.payments.set(req.key, { status: voided ? 'VOIDED' : 'APPROVED', amountMinor: req.amountMinor });
          this.onCallback(req.key, voided ? 'VOIDED' : 'APPROVED');
          this.onCallback(req.key, voided ? 'VOIDED' : 'APPROVED'); // a duplicate delivery
        }, this.timeoutMs * 2).unref();
      }
      await new Promise((r) => setTimeout(r, this.timeoutMs));
      throw new PaymentTimeoutError(`the payment provider did not answer within ${this.timeoutMs} ms`);
    }
    this.payments.set(req.key, { status: 'APPROVED', amountMinor: req.amountMinor });
    if (outcome === 'callback-before-answer') {
      this.onCallback(req.key, 'APPROVED');
      await new Promise((r) => setTimeout(r, 50)); // the webhook is handled while the answer is still on its way
    }
    return { approved: true as const, ref: `sim-${req.key}` };
  }

  async void(key: string): Promise<void> {
    this.#voided.add(key);
    const p = this.payments.get(key);
    if (p && p.status === 'APPROVED') p.status = 'VOIDED';
    if (p && p.status === 'CAPTURED') p.status = 'REFUNDED';
  }

  async capture(key: string): Promise<void> {
    const p = this.payments.get(key);
    if (p?.status === 'CAPTURED') return;
    if (p?.status !== 'APPROVED') throw new Error(`payment ${key} cannot be captured: it is ${p?.status ?? 'UNKNOWN'}`);
    p.status = 'CAPTURED';
  }

  async status(key: string): Promise<PaymentStatus> {
    return this.payments.get(key)?.status ?? (this.#voided.has(key) ? 'VOIDED' : 'UNKNOWN');
  }
}

/** The provider over HTTP (a real gateway's adapter has this shape; tests run the simulator behind it in another process). */
export class HttpPaymentProvider implements PaymentProvider {
  constructor(
    readonly baseUrl: string,
    readonly timeoutMs = 2000,
  ) {}

  async authorise(req: { key: string; amountMinor: number; currency: string }) {
    return (await this.#post('/authorise', req)) as
      | { approved: true; ref: string }
      | { approved: false; reason: string };
  }

  async void(key: string): Promise<void> {
    await this.#post('/void', { key });
  }

  async capture(key: string): Promise<void> {
    await this.#post('/capture', { key });
  }

  async status(key: string): Promise<PaymentStatus> {
    return ((await this.#post('/status', { key })) as { status: PaymentStatus }).status;
  }

  async #post(path: string, body: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new PaymentTimeoutError(`the payment provider did not answer: ${(err as Error).message}`);
    }
    if (!res.ok) throw new Error(`payment provider ${path} → ${res.status}`);
    return res.json();
  }
}
