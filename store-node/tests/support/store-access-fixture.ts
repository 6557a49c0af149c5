import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import type { StoreAccessRole } from '../../src/access-matrix.js';
import { rawCall, type RawAnswer, type RawRequest } from '../../../central/tests/support/raw-http.js';

/** The node's own screen: the test calls from this source address, which the node is told to trust. */
export const SCREEN_ADDRESS = '127.0.0.2';
/** A device on the store's network: 127.0.0.1, which this node does not trust. */
export const LAN_ADDRESS = '127.0.0.1';

/** How each role reaches the node: from which address, with which headers. The kiosk comes two ways. */
export interface StoreCaller {
  readonly role: StoreAccessRole;
  readonly label: string;
  readonly localAddress: string;
  readonly headers: Record<string, string>;
}

/**
 * A stand-alone store node that trusts only 127.0.0.2, so one node serves every role: its lane and kiosk screens
 * call from 127.0.0.2 (the kiosk with `sf_screen=kiosk`), LAN devices from 127.0.0.1 — a handheld and a kiosk
 * paired through the API with codes the lane minted, and a device that never paired. Also an open sale, and a
 * spare paired device for the unpair route.
 */
export async function storeAccessFixture(): Promise<{ node: StoreNode; callers: StoreCaller[]; saleId: string; spareDeviceId: string; customerId: string; call: (c: StoreCaller, r: Omit<RawRequest, 'localAddress'>) => Promise<RawAnswer> }> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-matrix-'));
  const node = createStoreNode({ dbPath: join(dir, 'store.sqlite'), port: 0, logLevel: 'silent', trustedAddresses: [SCREEN_ADDRESS], name: 'Matrix store' });
  await node.start();
  const url = node.url!;
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const must = async (what: string, p: Promise<RawAnswer>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${r.text}`);
    return r.json;
  };
  const pairAs = async (role: 'handheld' | 'kiosk', name: string) => {
    const { code } = await must(`a ${role} code`, rawCall(url, { method: 'POST', path: '/api/pairing/codes', localAddress: SCREEN_ADDRESS, ...json({ role }) }));
    return must(`pairing a ${role}`, rawCall(url, { method: 'POST', path: '/api/pairing/pair', localAddress: LAN_ADDRESS, ...json({ code, name }) }));
  };
  const handheld = await pairAs('handheld', 'Matrix handheld');
  const kiosk = await pairAs('kiosk', 'Matrix kiosk');
  const spare = await pairAs('handheld', 'Spare handheld');
  const sale = await must('a sale', rawCall(url, { method: 'POST', path: '/api/pos/sales', localAddress: SCREEN_ADDRESS, ...json({}) }));
  const callers: StoreCaller[] = [
    { role: 'lane', label: 'lane', localAddress: SCREEN_ADDRESS, headers: {} },
    { role: 'kiosk', label: 'kiosk screen', localAddress: SCREEN_ADDRESS, headers: { cookie: 'sf_screen=kiosk' } },
    { role: 'kiosk', label: 'paired kiosk', localAddress: LAN_ADDRESS, headers: { authorization: `Bearer ${kiosk.token}` } },
    { role: 'handheld', label: 'handheld', localAddress: LAN_ADDRESS, headers: { authorization: `Bearer ${handheld.token}` } },
    { role: 'unpaired', label: 'unpaired', localAddress: LAN_ADDRESS, headers: {} },
  ];
  const call = (c: StoreCaller, r: Omit<RawRequest, 'localAddress'>) => rawCall(url, { ...r, localAddress: c.localAddress, headers: { ...c.headers, ...r.headers } });
  return { node, callers, saleId: sale.id, spareDeviceId: spare.device.id, customerId: randomUUID(), call };
}
