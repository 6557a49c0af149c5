import type { Readable } from 'node:stream';
import type { VaultScannerChoice } from '../../kernel/hub-settings.js';

/** What the scanner is told about the file besides its bytes (a real engine uses them for its heuristics). */
export interface ScanTarget {
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
}

/** A scanner's answer: `signature` names what it found (INFECTED only); `engine` names who answered, for the audit. */
export interface ScanVerdict {
  readonly verdict: 'CLEAN' | 'INFECTED';
  readonly signature?: string;
  readonly engine: string;
}

/**
 * The vault's virus scanner, an external party (VAULT_SCANNER; see PARTIES.vaultScanner in kernel/hub-settings.ts),
 * shaped like a real engine's adapter (a clamd INSTREAM client would fit behind it). The processing job calls `scan`
 * once per version with the plaintext as a stream, which `scan` must read to its end or until it has a verdict: it
 * never holds the whole file. A throw (the engine unreachable) is not a verdict: the job retries later.
 */
export interface Scanner {
  readonly engine: string;
  scan(stream: Readable, target: ScanTarget): Promise<ScanVerdict>;
}

/**
 * The anti-virus industry's harmless test file (eicar.org): 68 bytes every engine reports as infected. Kept in two
 * halves so that no copy of this source file is itself flagged by a developer's scanner.
 */
export const EICAR_TEST_STRING = `X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVI${'RUS-TEST-FILE!$H+H*'}`;
export const EICAR_SIGNATURE = 'Eicar-Test-Signature';

const EICAR = Buffer.from(EICAR_TEST_STRING, 'latin1');

/**
 * Finds the EICAR test string anywhere in the stream, also when it straddles two chunks: the last 67 bytes of what was
 * read are kept and searched together with the start of the next chunk. Everything else is CLEAN. Reads to the end
 * (the bytes after a find are drained, not left in the pipe) and keeps at most 67 bytes of its own.
 */
export class SimulatedScanner implements Scanner {
  readonly engine = 'simulator';

  async scan(stream: Readable, _target: ScanTarget): Promise<ScanVerdict> {
    const keep = EICAR.length - 1;
    let tail = Buffer.alloc(0);
    let found = false;
    for await (const piece of stream) {
      if (found) continue;
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as string);
      // a match that starts in the tail and ends in this chunk
      if (tail.length && Buffer.concat([tail, chunk.subarray(0, keep)]).includes(EICAR)) found = true;
      else if (chunk.includes(EICAR)) found = true;
      tail =
        chunk.length >= keep
          ? Buffer.from(chunk.subarray(chunk.length - keep))
          : Buffer.concat([tail, chunk]).subarray(-keep);
    }
    return found
      ? { verdict: 'INFECTED', signature: EICAR_SIGNATURE, engine: this.engine }
      : { verdict: 'CLEAN', engine: this.engine };
  }
}

/** The scanner the hub was configured with, or null (no scanner: versions are kept UNSCANNED). */
export function scannerFor(choice: VaultScannerChoice | undefined): Scanner | null {
  if (!choice) return null;
  switch (choice.adapter) {
    case 'simulator':
      return new SimulatedScanner();
  }
}
