/** An account as its owner (and the admin) sees it: the profile's fields and how the customer signs in. */
export interface AccountView {
  readonly customerId: string;
  readonly email: string | null;
  readonly name: string;
  readonly phone: string | null;
  readonly preferredStoreId: string | null;
  readonly guest: boolean;
  /** The loyalty card's last four digits behind dots, or null: the whole number is printed on the card only. */
  readonly loyaltyCard: string | null;
}

/** What a sign-in (or sign-up, or guest session) answers: the account, its new session token, and when it ends. */
export interface SignedIn {
  readonly account: AccountView;
  readonly token: string;
  /** ISO-8601. */
  readonly expiresAt: string;
}

export interface AccountRow {
  readonly customerId: string;
  readonly email: string | null;
  readonly passwordHash: string | null;
  readonly guest: boolean;
  readonly createdAt: number;
  readonly lastSignInAt: number | null;
}

/** An account as the admin's search lists it. */
export interface AccountSummary {
  readonly customerId: string;
  readonly email: string | null;
  readonly guest: boolean;
  readonly activeSessions: number;
  readonly lastSignInAt: string | null;
  readonly createdAt: string;
}

export type OneTimePurpose = 'sign-in' | 'reset';

export interface OutboxMail {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
}

export type OutboxState = 'queued' | 'sent' | 'failed';
