import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import { redactQuery, REQUEST_LOG_SERIALIZERS } from '@storefleet/shared';
import { readFileSync } from 'node:fs';

describe('the node’s request log', () => {
  it('the node logs its requests through the redacting serializers', () => {
    const source = readFileSync(new URL('../src/store-node.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/pinoHttp\(\{[^}]*serializers: REQUEST_LOG_SERIALIZERS/);
  });

  it('shows a pickup search without the code that was typed (q), other parameters kept', async () => {
    const lines: string[] = [];
    const app = express();
    app.use(
      pinoHttp({
        logger: pino({}, { write: (l: string) => void lines.push(l) }),
        serializers: REQUEST_LOG_SERIALIZERS,
      }),
    );
    app.get('/api/bopis/pickups', (_req, res) => res.json({ items: [] }));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}/api/bopis/pickups?q=188-J3D&limit=5`)).status).toBe(200);
      await expect.poll(() => lines.length, { timeout: 30_000 }).toBeGreaterThan(0);
      const text = lines.join('');
      expect(text).toContain('/api/bopis/pickups?q=[redacted]&limit=5');
      expect(text).not.toContain('188-J3D');
    } finally {
      server.close();
    }
  });

  it('blanks q however it is spelt in the URL', () => {
    expect(redactQuery('/api/bopis/pickups?q=K7M-4QH')).toBe('/api/bopis/pickups?q=[redacted]');
    expect(redactQuery('/x?limit=2&%71=Dana')).toBe('/x?limit=2&%71=[redacted]');
    expect(redactQuery('/x?q')).toBe('/x?q=[redacted]');
    expect(redactQuery('/x?qq=1')).toBe('/x?qq=1');
    expect(redactQuery('/api/sync/status')).toBe('/api/sync/status');
  });
});
