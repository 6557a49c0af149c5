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
 * The simulator (CUSTOMER_EMAIL=simulator, or a demo/test hub): it sends nothing and keeps what it would have sent
 * (the last 1,000 messages), in this process, so the demo and the tests can read a code or a link. One list for the
 * process, which every hub in it writes to: a reader takes `mark()` before its request and reads what came after.
 */
class EmailSimulator implements EmailSender {
  readonly #sent: { readonly n: number; readonly mail: CustomerEmail }[] = [];
  #count = 0;
  async send(mail: CustomerEmail): Promise<void> {
    this.#sent.push({ n: ++this.#count, mail });
    if (this.#sent.length > 1000) this.#sent.splice(0, this.#sent.length - 1000);
  }
  /** Where the list stands now: pass it to `sentTo` to read only what is sent after. */
  mark(): number {
    return this.#count;
  }
  /** What was "sent" to the address (after `mark`, when given), oldest first. */
  sentTo(email: string, after = 0): readonly CustomerEmail[] {
    const to = email.trim().toLowerCase();
    return this.#sent.filter((s) => s.n > after && s.mail.to === to).map((s) => s.mail);
  }
}

export const emailSimulator = new EmailSimulator();
