/** One message to a customer (a sign-in code, a reset link). */
export interface CustomerEmail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
}

/** Whoever delivers mail to customers; a throw leaves the message queued for the next try. */
export interface EmailSender {
  send(mail: CustomerEmail): Promise<void>;
}

/**
 * The simulator (CUSTOMER_EMAIL=simulator, or a demo/test hub): it sends nothing and keeps what it would have sent,
 * in this process, so the demo and the tests can read a code or a link. One list for the process: tests use e-mails
 * of their own.
 */
class EmailSimulator implements EmailSender {
  readonly #sent: CustomerEmail[] = [];
  async send(mail: CustomerEmail): Promise<void> {
    this.#sent.push(mail);
    if (this.#sent.length > 1000) this.#sent.splice(0, this.#sent.length - 1000);
  }
  /** What was "sent" to the address, oldest first. */
  sentTo(email: string): readonly CustomerEmail[] {
    return this.#sent.filter((m) => m.to === email.trim().toLowerCase());
  }
}

export const emailSimulator = new EmailSimulator();
