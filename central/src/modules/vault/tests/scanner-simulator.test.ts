import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EICAR_SIGNATURE, EICAR_TEST_STRING, SimulatedScanner, scannerFor } from '../scanner.js';

const EICAR = Buffer.from(EICAR_TEST_STRING, 'latin1');
const target = { name: 'file.bin', mediaType: 'application/octet-stream', size: 0 };

/** The bytes as a stream of `chunk`-sized pieces, made lazily (so a big file is never one buffer). */
function chunked(bytes: Buffer, chunk: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
    })(),
  );
}

describe('the simulated virus scanner', () => {
  it('knows the 68-byte EICAR test file', () => {
    expect(EICAR.length).toBe(68);
    expect(EICAR_TEST_STRING.startsWith('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!')).toBe(true);
  });

  it('finds the EICAR file on its own, and names the signature and the engine', async () => {
    expect(await new SimulatedScanner().scan(Readable.from([EICAR]), target)).toEqual({
      verdict: 'INFECTED',
      signature: EICAR_SIGNATURE,
      engine: 'simulator',
    });
  });

  it('finds it in the middle of a larger file', async () => {
    const file = Buffer.concat([Buffer.alloc(100_000, 'a'), EICAR, Buffer.alloc(100_000, 'b')]);
    expect((await new SimulatedScanner().scan(chunked(file, 16 * 1024), target)).verdict).toBe('INFECTED');
  });

  it('finds it split across two 64 KiB chunks, wherever the cut falls', async () => {
    const scanner = new SimulatedScanner();
    for (let cut = 1; cut < EICAR.length; cut += 1) {
      const at = 64 * 1024 - cut; // the string starts `cut` bytes before the first chunk ends
      const file = Buffer.concat([Buffer.alloc(at, 0x20), EICAR, Buffer.alloc(1000, 0x20)]);
      const verdict = await scanner.scan(chunked(file, 64 * 1024), target);
      expect(verdict.verdict, `cut ${cut} bytes into the string`).toBe('INFECTED');
    }
  });

  it('finds it when it arrives a byte at a time', async () => {
    expect((await new SimulatedScanner().scan(chunked(EICAR, 1), target)).verdict).toBe('INFECTED');
  });

  it('calls a file CLEAN when the string is not there whole', async () => {
    const scanner = new SimulatedScanner();
    expect(await scanner.scan(Readable.from([Buffer.from('hello, world')]), target)).toEqual({
      verdict: 'CLEAN',
      engine: 'simulator',
    });
    expect((await scanner.scan(Readable.from([EICAR.subarray(0, 67)]), target)).verdict).toBe('CLEAN');
    const broken = Buffer.concat([EICAR.subarray(0, 30), Buffer.from('x'), EICAR.subarray(30)]);
    expect((await scanner.scan(chunked(broken, 7), target)).verdict).toBe('CLEAN');
    expect((await scanner.scan(Readable.from([]), target)).verdict).toBe('CLEAN');
  });

  it('reads the whole stream, even after a find', async () => {
    const file = Buffer.concat([EICAR, Buffer.alloc(300_000, 'z')]);
    const stream = chunked(file, 4096);
    await new SimulatedScanner().scan(stream, target);
    expect(stream.readableEnded).toBe(true);
  });

  it('is what a hub with VAULT_SCANNER=simulator runs; no choice, no scanner', () => {
    expect(scannerFor({ adapter: 'simulator' })?.engine).toBe('simulator');
    expect(scannerFor(undefined)).toBeNull();
  });
});
