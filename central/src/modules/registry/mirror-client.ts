import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { OCI_DIGEST, OCI_MEDIA_TYPES } from '@storefleet/shared';
import type { RegistryMirrorSettings } from '../../kernel/hub-settings.js';

/** What the mirror asks for a manifest in: the four types this registry stores. */
const MANIFEST_ACCEPT = [
  OCI_MEDIA_TYPES.imageManifest,
  OCI_MEDIA_TYPES.imageIndex,
  OCI_MEDIA_TYPES.dockerManifest,
  OCI_MEDIA_TYPES.dockerManifestList,
].join(', ');
const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
/** A request that is not a blob's body must answer within this. */
const CALL_TIMEOUT_MS = 30_000;
const PAGE = 100;
const MAX_PAGES = 10_000;
/** Scopes asked for in one token request (the Docker token spec takes several `scope` parameters; hubs cap them). */
const SCOPES_PER_TOKEN = 20;

/**
 * Bearer tokens of the source by scope, until shortly before they lapse. A hub's RegistryMirror keeps one across its
 * runs, so a sign-in at the source (a slow password hash there) happens once per token lifetime, not per run or scope.
 */
export type MirrorTokens = Map<string, { readonly value: string; readonly until: number }>;

/**
 * A failure of the mirrored registry or of the way to it, worded for the console (never with the secret). `fatal`:
 * the whole run stops (the source refuses the credential, cannot be reached); else only the tag being copied fails.
 */
export class MirrorSourceError extends Error {
  override readonly name = 'MirrorSourceError';
  constructor(
    message: string,
    readonly fatal: boolean,
    /** `credential`: the token service refused the username and secret; `denied`: the credential lacks the right. */
    readonly reason: 'credential' | 'denied' | 'other' = 'other',
  ) {
    super(message);
  }
}

/** A manifest as fetched: its exact bytes, the media type it was answered with, and the digest of those bytes. */
export interface FetchedManifest {
  readonly body: Buffer;
  readonly mediaType: string;
  readonly digest: string;
}

type Auth = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; realm: string; service: string };

/** `key="value"` pairs of a `WWW-Authenticate` challenge. */
function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) out[m[1]!.toLowerCase()] = m[2]!;
  return out;
}

/** The next page's path from a `Link: </v2/…?n=&last=>; rel="next"` header, kept on the source's origin. */
function nextLink(header: string | null): string | null {
  const m = header?.match(/<([^>]+)>\s*;\s*rel="?next"?/);
  if (!m) return null;
  const u = new URL(m[1]!, 'http://x');
  return u.pathname + u.search;
}

/**
 * A client of another registry's `/v2/` API, as the mirror uses it (lane: mirror-console): it finds how the source
 * authenticates (`GET /v2/` → 200, a Basic challenge, or a Bearer challenge whose realm it asks for scoped tokens
 * with HTTP Basic, as docker and skopeo do), lists repositories and tags page by page (`Link`), fetches manifests
 * and streams blobs, from a byte offset when resuming. The secret goes only to the source's origin (or an https
 * realm) and never into a message.
 */
export class MirrorClient {
  readonly #origin: string;
  readonly #basic: string;
  #auth: Auth | null = null;
  readonly #tokens: MirrorTokens;

  constructor(
    readonly settings: RegistryMirrorSettings,
    readonly signal: AbortSignal,
    readonly now: () => number = Date.now,
    tokens: MirrorTokens = new Map(),
  ) {
    this.#tokens = tokens;
    this.#origin = new URL(settings.url).origin;
    this.#basic = `Basic ${Buffer.from(`${settings.username}:${settings.secret}`).toString('base64')}`;
  }

  /** Learns how the source authenticates (its `GET /v2/`). */
  async connect(): Promise<void> {
    const res = await this.#fetch(`${this.#origin}/v2/`, {});
    await res.body?.cancel();
    if (res.status === 200) this.#auth = { kind: 'none' };
    else if (res.status === 401) {
      const header = res.headers.get('www-authenticate') ?? '';
      if (/^\s*basic/i.test(header)) this.#auth = { kind: 'basic' };
      else if (/^\s*bearer/i.test(header)) {
        const p = challengeParams(header);
        if (!p.realm) throw new MirrorSourceError(`${this.#origin}/v2/ sent a Bearer challenge with no realm`, true);
        const realm = new URL(p.realm, this.#origin);
        if (realm.origin !== this.#origin && realm.protocol !== 'https:')
          throw new MirrorSourceError(
            `${this.#origin}/v2/ names a token realm on another origin over plain http (${realm.origin}); the mirror's credential is sent only to the source or over https`,
            true,
          );
        this.#auth = { kind: 'bearer', realm: realm.toString(), service: p.service ?? '' };
      } else throw new MirrorSourceError(`${this.#origin}/v2/ answered 401 without a challenge the mirror knows`, true);
    } else throw new MirrorSourceError(`${this.#origin}/v2/ answered ${res.status}; is it a registry?`, true);
  }

  /**
   * Gets, in as few sign-ins as it can (several scopes per token request), tokens for the `scopes` not held yet; a
   * source whose token service grants less is asked again per scope when a call is refused. Nothing when the source
   * does not use Bearer tokens.
   */
  async authorize(scopes: readonly string[]): Promise<void> {
    if (!this.#auth) await this.connect();
    if (this.#auth?.kind !== 'bearer') return;
    const missing = [...new Set(scopes)].filter((s) => !this.#held(s));
    for (let i = 0; i < missing.length; i += SCOPES_PER_TOKEN)
      await this.#token(missing.slice(i, i + SCOPES_PER_TOKEN));
  }

  /** Every repository of the source's catalog (`/v2/_catalog`, paged); needs the catalog right there (an ADMIN). */
  async catalog(): Promise<string[]> {
    return this.#paged('/v2/_catalog', 'registry:catalog:*', 'repositories');
  }

  /** A repository's tags (`tags/list`, paged); [] when the source does not know the repository. */
  async tags(repository: string): Promise<string[]> {
    return this.#paged(`/v2/${repository}/tags/list`, `repository:${repository}:pull`, 'tags');
  }

  /** The digest a tag names now (`HEAD`, `Docker-Content-Digest`), or null when the source does not say. */
  async manifestDigest(repository: string, reference: string): Promise<string | null> {
    const res = await this.#call('HEAD', `/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, {
      accept: MANIFEST_ACCEPT,
    });
    await res.body?.cancel();
    if (res.status !== 200) return null;
    const d = res.headers.get('docker-content-digest');
    return d && OCI_DIGEST.test(d) ? d : null;
  }

  /** A manifest's exact bytes; by digest, the bytes must hash to it. */
  async manifest(repository: string, reference: string): Promise<FetchedManifest> {
    const res = await this.#call('GET', `/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, {
      accept: MANIFEST_ACCEPT,
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new MirrorSourceError(`the source answered ${res.status} for manifest ${repository}:${reference}`, false);
    }
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MANIFEST_MAX_BYTES)
      throw new MirrorSourceError(`manifest ${repository}:${reference} is larger than 4 MiB`, false);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (OCI_DIGEST.test(reference) && digest !== reference)
      throw new MirrorSourceError(`manifest ${repository}@${reference} came with bytes of ${digest}`, false);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    return { body, mediaType, digest };
  }

  /**
   * A blob's bytes from byte `from` on. `partial` is true when the source answered the Range (206 from `from`); false
   * means the stream starts at byte 0 whatever was asked.
   */
  async blob(repository: string, digest: string, from: number): Promise<{ stream: Readable; partial: boolean }> {
    const res = await this.#call(
      'GET',
      `/v2/${repository}/blobs/${digest}`,
      `repository:${repository}:pull`,
      from > 0 ? { range: `bytes=${from}-` } : {},
      false,
    );
    let partial = false;
    if (res.status === 206) {
      const start = Number(res.headers.get('content-range')?.match(/bytes\s+(\d+)-/)?.[1] ?? Number.NaN);
      if (start !== from) {
        await res.body?.cancel();
        throw new MirrorSourceError(`blob ${digest}: the source answered a range that starts at ${start}`, false);
      }
      partial = true;
    } else if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      throw new MirrorSourceError(`the source answered ${res.status} for blob ${repository}@${digest}`, false);
    }
    return { stream: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), partial };
  }

  async #paged(first: string, scope: string, field: 'repositories' | 'tags'): Promise<string[]> {
    const out: string[] = [];
    let path: string | null = `${first}?n=${PAGE}`;
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const res = await this.#call('GET', path, scope, { accept: 'application/json' });
      if (res.status === 404 && field === 'tags') {
        await res.body?.cancel();
        return out;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new MirrorSourceError(
          `the source answered ${res.status} for ${first}`,
          field === 'repositories',
          res.status === 401 || res.status === 403 ? 'denied' : 'other',
        );
      }
      const body = (await res.json()) as Record<string, unknown>;
      const items = body[field];
      if (Array.isArray(items)) for (const i of items) if (typeof i === 'string') out.push(i);
      const next = nextLink(res.headers.get('link'));
      path = next && next !== path ? next : null;
    }
    return out;
  }

  /** One request with the credential the source wants for `scope`; a Bearer token refused is asked for once more. */
  async #call(
    method: string,
    path: string,
    scope: string,
    headers: Record<string, string>,
    timeout = true,
  ): Promise<Response> {
    if (!this.#auth) await this.connect();
    for (let attempt = 0; ; attempt++) {
      const authorization = await this.#authorization(scope, attempt > 0);
      const res = await this.#fetch(`${this.#origin}${path}`, {
        method,
        headers: { ...headers, ...(authorization ? { authorization } : {}) },
        timeout,
      });
      if (res.status !== 401 || attempt > 0 || this.#auth?.kind !== 'bearer') {
        if (res.status === 401) {
          await res.body?.cancel();
          throw new MirrorSourceError(
            `the source refused the mirror's credential (user ${this.settings.username}) for ${scope}: 401`,
            true,
            this.#auth?.kind === 'basic' ? 'credential' : 'denied',
          );
        }
        return res;
      }
      await res.body?.cancel();
    }
  }

  async #authorization(scope: string, fresh: boolean): Promise<string | undefined> {
    const auth = this.#auth;
    if (!auth || auth.kind === 'none') return undefined;
    if (auth.kind === 'basic') return this.#basic;
    const held = fresh ? undefined : this.#held(scope);
    return `Bearer ${held ?? (await this.#token([scope]))}`;
  }

  #held(scope: string): string | undefined {
    const held = this.#tokens.get(scope);
    return held && held.until > this.now() ? held.value : undefined;
  }

  /** One sign-in at the source's token service for `scopes`; the token is held under each of them. */
  async #token(scopes: readonly string[]): Promise<string> {
    const auth = this.#auth;
    if (auth?.kind !== 'bearer') throw new Error('the mirror client asked a token of a source without Bearer auth');
    const url = new URL(auth.realm);
    if (auth.service) url.searchParams.set('service', auth.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const res = await this.#fetch(url.toString(), { headers: { authorization: this.#basic } });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new MirrorSourceError(
        `the source's token service (${url.origin}${url.pathname}) refused the mirror's credential (user ${this.settings.username}): ${res.status}; check REGISTRY_MIRROR_USER and REGISTRY_MIRROR_SECRET`,
        true,
        'credential',
      );
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new MirrorSourceError(`the source's token service answered ${res.status}`, true);
    }
    const body = (await res.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const value = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof value !== 'string' || !value)
      throw new MirrorSourceError("the source's token service answered no token", true);
    const ttl = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    // renewed a little before it ends, so a long blob's request does not start with a token about to lapse
    const until = this.now() + Math.max(5, ttl - 10) * 1000;
    for (const scope of scopes) this.#tokens.set(scope, { value, until });
    return value;
  }

  async #fetch(
    url: string,
    init: { method?: string; headers?: Record<string, string>; timeout?: boolean },
  ): Promise<Response> {
    const signal =
      init.timeout === false ? this.signal : AbortSignal.any([this.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);
    try {
      return await fetch(url, { method: init.method ?? 'GET', headers: init.headers, signal, redirect: 'follow' });
    } catch (err) {
      if (this.signal.aborted) throw err;
      const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new MirrorSourceError(`the source registry ${this.#origin} cannot be reached (${why})`, true);
    }
  }
}
