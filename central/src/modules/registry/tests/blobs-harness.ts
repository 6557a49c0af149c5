import { createHash } from 'node:crypto';
import { TestHub } from '../../../../tests/support/test-hub.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { discoverModules } from '../../../kernel/discover-modules.js';
import type { HubContext, HubModule } from '../../../kernel/module-contract.js';
import { hubModule as registry, type RegistryParts, registryParts } from '../index.js';

/** `sha256:<hex>` of `bytes`. */
export const digestOf = (bytes: Buffer | string): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface V2Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed, when JSON (the problem+json of an error, with the spec's `errors`). */
  readonly body: any;
}

/** A hub on `target` whose registry parts the test can reach, signed in as the admin. */
export class RegistryTestHub {
  private constructor(
    readonly t: TestHub,
    readonly parts: RegistryParts,
    readonly cookie: string,
  ) {}

  static async start(target: DbTarget): Promise<RegistryTestHub> {
    let ctx: HubContext | undefined;
    const wrapped: HubModule = {
      ...registry,
      async start(c) {
        ctx = c;
        await registry.start?.(c);
      },
    };
    const modules = (await discoverModules()).map((m) => (m.name === 'registry' ? wrapped : m));
    const t = await TestHub.start(target, { modules });
    if (!ctx) throw new Error('the registry did not start');
    return new RegistryTestHub(t, registryParts(ctx), await t.login());
  }

  /** A call to the OCI API as the admin (or `cookie`), the body streamed as given. */
  async v2(
    method: string,
    path: string,
    options: {
      body?: Buffer | string | ReadableStream<Uint8Array>;
      headers?: Record<string, string>;
      cookie?: string;
    } = {},
  ): Promise<V2Answer> {
    const res = await fetch(this.t.url + path, {
      method,
      headers: { cookie: options.cookie ?? this.cookie, ...options.headers },
      body: options.body as RequestInit['body'],
      ...(options.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await res.text();
    let body: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, body };
  }

  /** Pushes `bytes` to `repository` in one POST (`?digest=`); answers the digest. */
  async push(repository: string, bytes: Buffer | string): Promise<string> {
    const d = digestOf(bytes);
    const res = await this.v2('POST', `/v2/${repository}/blobs/uploads/?digest=${d}`, {
      body: bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (res.status !== 201) throw new Error(`push to ${repository}: ${res.status} ${res.text}`);
    return d;
  }

  /** Starts an upload session in `repository`; answers its Location. */
  async session(repository: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await this.v2('POST', `/v2/${repository}/blobs/uploads/`, { headers });
    if (res.status !== 202) throw new Error(`session in ${repository}: ${res.status} ${res.text}`);
    return res.headers.get('location')!;
  }

  async refCount(digest: string): Promise<number | undefined> {
    const { rows } = await this.t.hub.db.query<{ ref_count: number }>(
      'SELECT ref_count FROM registry_blobs WHERE digest = $1',
      [digest],
    );
    return rows[0] ? Number(rows[0].ref_count) : undefined;
  }

  stop(): Promise<void> {
    return this.t.stop();
  }
}
