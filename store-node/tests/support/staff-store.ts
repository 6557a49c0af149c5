import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request } from 'express';
import { hashPin } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import type { StaffSignIn } from '../../src/config.js';
import type { Caller } from '../../src/access/screen-guard.js';

/** The people of the tests' roster (ids fixed, PINs known to the test only). */
export const ANA = { userId: '0191a3c0-0000-7000-8000-00000000a0a0', name: 'Ana Associate', pin: '246813' };
export const BO = { userId: '0191a3c0-0000-7000-8000-00000000b0b0', name: 'Bo Associate', pin: '1357924' };
export const MIA = { userId: '0191a3c0-0000-7000-8000-00000000c0c0', name: 'Mia Manager', pin: '86420975' };

const hashes = new Map<string, string>();
/** A PIN's scrypt hash, made once per PIN for the whole file. */
export async function hashed(pin: string): Promise<string> {
  if (!hashes.has(pin)) hashes.set(pin, await hashPin(pin));
  return hashes.get(pin)!;
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * A store node on a temp SQLite file (or `dbPath` again: a restart) with no hub and a clock the test moves; the roster
 * comes in as the hub's feed entries would (`feedRoster`), through the node's own feed handling.
 */
export async function startStaffStore(opts: { staffSignIn?: StaffSignIn; dbPath?: string; now?: number } = {}) {
  const clock = { now: opts.now ?? Date.parse('2026-11-28T13:05:00Z') };
  const dbPath = opts.dbPath ?? join(mkdtempSync(join(tmpdir(), 'sf-staff-')), 'store.sqlite');
  const node: StoreNode = createStoreNode({
    dbPath,
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    name: 'Staff Store',
    now: () => clock.now,
    ...(opts.staffSignIn ? { staffSignIn: opts.staffSignIn } : {}),
  });
  const url = await node.start();
  const call = async (method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> => {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(cookie ? { cookie } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as any, headers: res.headers };
  };
  /** A roster entry of the hub's feed, applied through the node's own feed (the next seq). */
  const feedRoster = async (version: number, disabled: string[] = [], without: string[] = []) => {
    const members = await Promise.all(
      [
        { ...ANA, role: 'ASSOCIATE' as const },
        { ...BO, role: 'ASSOCIATE' as const },
        { ...MIA, role: 'STORE_MANAGER' as const },
      ]
        .filter((m) => !without.includes(m.userId))
        .map(async ({ pin, ...m }) => ({ ...m, pinHash: await hashed(pin), disabled: disabled.includes(m.userId) })),
    );
    feedPayload({ version, members });
  };
  const feedPayload = (payload: unknown) => {
    const seq = node.sync.storage.feedCursor() + 1;
    node.sync.storage.applyFeed([{ seq, type: 'staff.roster', createdAt: clock.now, payload }]);
  };
  /** The `staff.audit` events in the outbox, oldest first. */
  const auditEvents = () =>
    (
      node.db
        .prepare("SELECT payload FROM sync_outbox WHERE type = 'staff.audit' ORDER BY seq")
        .pluck()
        .all() as string[]
    ).map((p) => JSON.parse(p) as Record<string, unknown>);
  return { node, dbPath, clock, url, call, feedRoster, feedPayload, auditEvents, stop: () => node.stop() };
}
export type StaffStore = Awaited<ReturnType<typeof startStaffStore>>;

/** The cookie a POS screen's browser sends for lane `n`, with its staff cookie if any. */
export const posLane = (n: number, staff?: string) => `sf_screen=pos; sf_lane=${n}${staff ? `; ${staff}` : ''}`;

/** The `sf_staff=…` pair a sign-in answer set. */
export function staffCookie(a: Answer): string {
  const set = a.headers.get('set-cookie') ?? '';
  const m = /sf_staff=([^;]+)/.exec(set);
  if (!m) throw new Error(`no sf_staff cookie in ${set}`);
  return `sf_staff=${m[1]}`;
}

/**
 * A request as the POS routes hand it to the gate: its cookies, its Manager-Approval header and the caller the screen
 * guard decided (a POS screen on `lane`).
 */
export function gateRequest(lane: number, headers: Record<string, string> = {}): Request {
  const caller: Caller = { role: 'pos', scope: `pos:${lane}`, lane };
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name: string) => lower[name.toLowerCase()], res: { locals: { caller } } } as unknown as Request;
}
