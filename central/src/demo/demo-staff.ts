/**
 * The demo's people at the lanes (issue #27): each demo store gets a manager and two associates as console users, each
 * with a lane PIN set through the staff module's own route (`POST /api/staff/people/:userId/pin`, the hub makes the PIN up), so the store's
 * roster reaches its node and the POS asks for a PIN before it sells (STAFF_SIGN_IN auto), and a manager's PIN
 * approves a void, a refund over the limit, a price override or a no-sale. The PINs are random (4 to 6 digits, never
 * one the staff module calls weak, none shared within a store) and, demo only, kept in demo-credentials.json (0600)
 * and printed in the banner. A restart finds its people by e-mail and sets nothing again.
 */
import { randomBytes } from 'node:crypto';
import type { Api } from './demo-seed.js';
import type { DemoStore } from './demo-stores.js';

export type DemoStaffRole = 'STORE_MANAGER' | 'ASSOCIATE';

export interface DemoStaffMember {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly role: DemoStaffRole;
  /** Their console password (a manager may sign in to the console; demo only). */
  readonly password: string;
  /** Their lane PIN (demo only: a real hub never keeps one in clear). */
  readonly pin: string;
}

/** By store code. */
export type DemoStaffSecrets = Record<string, DemoStaffMember[]>;

const FIRST = ['Ana', 'Ben', 'Chloe', 'Dev', 'Elena', 'Femi', 'Grace', 'Hiro', 'Ines', 'Jonah', 'Kemi', 'Luca'];
const LAST = [
  'Ruiz',
  'Okafor',
  'Martin',
  'Patel',
  'Novak',
  'Adeyemi',
  'Kim',
  'Tanaka',
  'Silva',
  'Berg',
  'Ali',
  'Rossi',
];

/** Store i's manager and two associates: names that differ from the next store's, e-mails that say the store. */
export function demoPeople(i: number, code: string): { name: string; email: string; role: DemoStaffRole }[] {
  return [0, 1, 2].map((k) => {
    const first = FIRST[(i * 3 + k) % FIRST.length]!;
    const last = LAST[(i * 5 + k * 7) % LAST.length]!;
    return {
      name: `${first} ${last}`,
      email: `${first}.${last}.${code}@storefleet.local`.toLowerCase(),
      role: k === 0 ? 'STORE_MANAGER' : 'ASSOCIATE',
    };
  });
}

interface UserRow {
  readonly id: string;
  readonly email: string;
  readonly storeId: string | null;
}

/**
 * Makes each store's people and sets their PINs where that is not done yet (a person kept in `staff` with the same
 * user id is left as is). `save` is called after each store, so a start cut short keeps what it set.
 */
export async function seedDemoStaff(o: {
  api: Api;
  stores: readonly (DemoStore & { readonly storeId: string })[];
  staff: DemoStaffSecrets;
  save: () => void;
  say: (line: string) => void;
}): Promise<{ summary: string }> {
  o.say('giving each store a manager and two associates with lane PINs…');
  const { items: users } = await o.api<{ items: UserRow[] }>('GET', '/api/users');
  const byEmail = new Map(users.map((u) => [u.email.toLowerCase(), u]));
  let made = 0;
  let pinsSet = 0;
  for (const [i, s] of o.stores.entries()) {
    const kept = o.staff[s.code] ?? [];
    const out: DemoStaffMember[] = [];
    const taken = new Set<string>();
    for (const p of demoPeople(storeIndex(s.code, i), s.code)) {
      const before = kept.find((k) => k.email === p.email);
      let user = byEmail.get(p.email);
      let password = before?.password ?? randomBytes(12).toString('base64url');
      if (!user) {
        user = await o.api<UserRow>('POST', '/api/users', { ...p, storeId: s.storeId, password });
        made++;
      } else if (!before) {
        // made by an earlier start whose credentials file is gone: a new password, so the file says the right one
        password = randomBytes(12).toString('base64url');
        await o.api('PATCH', `/api/users/${user.id}`, { password });
      }
      if (before && before.userId === user.id && !taken.has(before.pin)) {
        taken.add(before.pin);
        out.push(before);
        continue;
      }
      // the hub makes the PIN up (6 digits, never another person's at the store) and answers it once
      const { pin } = await o.api<{ pin: string }>('POST', `/api/staff/people/${user.id}/pin`);
      pinsSet++;
      taken.add(pin);
      out.push({ userId: user.id, name: p.name, email: p.email, role: p.role, password, pin });
    }
    o.staff[s.code] = out;
    o.save();
  }
  const people = o.stores.length * 3;
  return {
    summary: `${people} people with lane PINs at ${o.stores.length} store${o.stores.length === 1 ? '' : 's'}${
      made || pinsSet ? ` (made now: ${made} people, ${pinsSet} PINs set)` : ''
    }`,
  };
}

/** S001 → 0: the store's place in the demo, for its people's names. */
function storeIndex(code: string, fallback: number): number {
  const n = Number(code.replace(/^\D+/, ''));
  return Number.isInteger(n) && n >= 1 ? n - 1 : fallback;
}

/** The banner's lines: each store's people and PINs, the manager first. */
export function staffBannerLines(stores: readonly DemoStore[], staff: DemoStaffSecrets, indent: string): string {
  return stores
    .map((s) => {
      const people = (staff[s.code] ?? []).map(
        (m) => `${m.name}${m.role === 'STORE_MANAGER' ? ' (manager)' : ''} ${m.pin}`,
      );
      return `${indent}${s.code}  ${people.length ? people.join('  ·  ') : 'none set (see the error above)'}`;
    })
    .join('\n');
}
