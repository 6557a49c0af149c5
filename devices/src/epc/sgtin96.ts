import { gtinCheckDigit } from '@storefleet/shared';

/** SGTIN-96 per the GS1 EPC Tag Data Standard (§14.5.1): header, filter, partition, company prefix, item ref, serial. */
export const SGTIN96_HEADER = 0x30;

/** TDS Table 14-2: for each partition value, the bits and digits of the company prefix and the item reference. */
const PARTITIONS = [
  { cpBits: 40, cpDigits: 12, irBits: 4, irDigits: 1 },
  { cpBits: 37, cpDigits: 11, irBits: 7, irDigits: 2 },
  { cpBits: 34, cpDigits: 10, irBits: 10, irDigits: 3 },
  { cpBits: 30, cpDigits: 9, irBits: 14, irDigits: 4 },
  { cpBits: 27, cpDigits: 8, irBits: 17, irDigits: 5 },
  { cpBits: 24, cpDigits: 7, irBits: 20, irDigits: 6 },
  { cpBits: 20, cpDigits: 6, irBits: 24, irDigits: 7 },
] as const;

const SERIAL_BITS = 38n;
const MAX_SERIAL = (1n << SERIAL_BITS) - 1n;

export interface Sgtin96 {
  /** 0–7; 1 = point-of-sale item, 3 = case (TDS Table 10-1). */
  readonly filter: number;
  readonly partition: number;
  /** Digits, zero-padded to the partition's length. */
  readonly companyPrefix: string;
  /** Indicator digit followed by the item reference, zero-padded. */
  readonly itemReference: string;
  /** Decimal, no leading zeros (SGTIN-96 serials are integers below 2^38). */
  readonly serial: string;
  readonly gtin14: string;
}

export class EpcError extends Error {}

/** Decodes 24 hex digits (96 bits); throws EpcError for another header, a reserved partition, or fields out of range. */
export function decodeSgtin96(hex: string): Sgtin96 {
  if (!/^[0-9a-fA-F]{24}$/.test(hex))
    throw new EpcError(`an SGTIN-96 is 24 hex digits, got ${JSON.stringify(hex.slice(0, 40))}`);
  const v = BigInt(`0x${hex}`);
  const header = Number(v >> 88n);
  if (header !== SGTIN96_HEADER)
    throw new EpcError(`header 0x${header.toString(16).padStart(2, '0')} is not SGTIN-96 (0x30)`);
  const filter = Number((v >> 85n) & 7n);
  const partition = Number((v >> 82n) & 7n);
  const p = PARTITIONS[partition];
  if (!p) throw new EpcError(`partition ${partition} is reserved`);
  const cp = (v >> BigInt(38 + p.irBits)) & ((1n << BigInt(p.cpBits)) - 1n);
  const ir = (v >> 38n) & ((1n << BigInt(p.irBits)) - 1n);
  const serial = v & MAX_SERIAL;
  const companyPrefix = cp.toString();
  const itemReference = ir.toString();
  if (companyPrefix.length > p.cpDigits)
    throw new EpcError(`company prefix ${companyPrefix} has more than ${p.cpDigits} digits`);
  if (itemReference.length > p.irDigits)
    throw new EpcError(`item reference ${itemReference} has more than ${p.irDigits} digits`);
  const fields = {
    filter,
    partition,
    companyPrefix: companyPrefix.padStart(p.cpDigits, '0'),
    itemReference: itemReference.padStart(p.irDigits, '0'),
    serial: serial.toString(),
  };
  return { ...fields, gtin14: gtin14Of(fields.companyPrefix, fields.itemReference) };
}

/** Encodes a GTIN-14 and serial; the company prefix length picks the partition (a GTIN alone does not tell it). */
export function encodeSgtin96(input: {
  gtin14: string;
  companyPrefixLength: number;
  serial: string | number | bigint;
  filter?: number;
}): string {
  const { gtin14, companyPrefixLength } = input;
  if (!/^\d{14}$/.test(gtin14) || gtinCheckDigit(gtin14.slice(0, 13)) !== Number(gtin14[13]))
    throw new EpcError(`not a valid GTIN-14: ${gtin14}`);
  const partition = PARTITIONS.findIndex((p) => p.cpDigits === companyPrefixLength);
  if (partition < 0) throw new EpcError(`a company prefix has 6 to 12 digits, not ${companyPrefixLength}`);
  const p = PARTITIONS[partition]!;
  const filter = input.filter ?? 1;
  if (!Number.isInteger(filter) || filter < 0 || filter > 7) throw new EpcError(`filter must be 0–7, got ${filter}`);
  const serialText = String(input.serial);
  if (!/^(0|[1-9]\d*)$/.test(serialText) || BigInt(serialText) > MAX_SERIAL)
    throw new EpcError(`SGTIN-96 serial must be an integer 0–${MAX_SERIAL} without leading zeros, got ${serialText}`);
  const companyPrefix = gtin14.slice(1, 1 + companyPrefixLength);
  const itemReference = gtin14[0]! + gtin14.slice(1 + companyPrefixLength, 13);
  let v = BigInt(SGTIN96_HEADER);
  v = (v << 3n) | BigInt(filter);
  v = (v << 3n) | BigInt(partition);
  v = (v << BigInt(p.cpBits)) | BigInt(companyPrefix);
  v = (v << BigInt(p.irBits)) | BigInt(itemReference);
  v = (v << SERIAL_BITS) | BigInt(serialText);
  return v.toString(16).toUpperCase().padStart(24, '0');
}

function gtin14Of(companyPrefix: string, itemReference: string): string {
  const body = itemReference[0]! + companyPrefix + itemReference.slice(1);
  return body + gtinCheckDigit(body);
}

/** `urn:epc:id:sgtin:0614141.812345.6789` — the pure identity, without the tag's filter. */
export function pureIdentityUri(e: Pick<Sgtin96, 'companyPrefix' | 'itemReference' | 'serial'>): string {
  return `urn:epc:id:sgtin:${e.companyPrefix}.${e.itemReference}.${e.serial}`;
}

/** `urn:epc:tag:sgtin-96:3.0614141.812345.6789` — the tag encoding, with its filter. */
export function tagUri(e: Pick<Sgtin96, 'filter' | 'companyPrefix' | 'itemReference' | 'serial'>): string {
  return `urn:epc:tag:sgtin-96:${e.filter}.${e.companyPrefix}.${e.itemReference}.${e.serial}`;
}

/** Parses a tag URI back to the 96-bit hex encoding. */
export function hexFromTagUri(uri: string): string {
  const m = /^urn:epc:tag:sgtin-96:([0-7])\.(\d{6,12})\.(\d{1,7})\.(0|[1-9]\d*)$/.exec(uri);
  if (!m) throw new EpcError(`not an SGTIN-96 tag URI: ${uri.slice(0, 80)}`);
  const [, filter, cp, ir, serial] = m as unknown as [string, string, string, string, string];
  if (cp.length + ir.length !== 13)
    throw new EpcError(`company prefix and item reference must have 13 digits together: ${uri}`);
  return encodeSgtin96({ gtin14: gtin14Of(cp, ir), companyPrefixLength: cp.length, serial, filter: Number(filter) });
}
