/** A demo shopper: what a kiosk or lane finds them by (card, phone, e-mail). */
export interface DemoCustomer {
  readonly name: string;
  readonly email: string;
  /** A 555-01xx number: reserved for fiction, never a real line. */
  readonly phone: string;
}

const PEOPLE: readonly [name: string, email: string][] = [
  ['Maria Gonzalez', 'maria.gonzalez@example.com'],
  ['James Carter', 'james.carter@example.com'],
  ['Aisha Khan', 'aisha.khan@example.com'],
  ['Tom Becker', 'tom.becker@example.com'],
  ['Linh Nguyen', 'linh.nguyen@example.com'],
  ['Olivia Brown', 'olivia.brown@example.com'],
  ['Samuel Okafor', 'samuel.okafor@example.com'],
  ['Emma Rossi', 'emma.rossi@example.com'],
];

/**
 * Eight shoppers, the same in every run. The hub gives each a loyalty card number when it signs them up (the
 * customers module); `npm start` prints it beside their phone and e-mail.
 */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = PEOPLE.map(([name, email], i) => ({
  name,
  email,
  phone: `+1 212 555 01${String(10 + i)}`,
}));
