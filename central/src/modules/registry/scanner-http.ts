import type { ScanReport, Severity, VulnerabilityScanner } from './types.js';
import { worstOf } from './scanner-simulator.js';

/** Harbor's pluggable scanner API media types (https://github.com/goharbor/pluggability-spec). */
export const HARBOR_MEDIA = {
  scanRequest: 'application/vnd.scanner.adapter.scan.request+json; version=1.0',
  scanResponse: 'application/vnd.scanner.adapter.scan.response+json; version=1.0',
  report: 'application/vnd.security.vulnerability.report; version=1.1',
} as const;

/** Where the adapter pulls the artefact from, and with what credential (`Authorization` header value, or ''). */
export type RegistryAccess = (repository: string) => Promise<{ readonly url: string; readonly authorization: string }>;

/**
 * The scan cannot be asked for as configured (REGISTRY_SCANNER=http without REGISTRY_PUBLIC_URL: the adapter would get
 * no address to pull from). The scan is FAILED at once with this message rather than tried again.
 */
export class ScanNotPossible extends Error {
  override readonly name = 'ScanNotPossible';
}

const TIMEOUT_MS = 30_000;
/** A report body is bounded: a scanner that answers more is refused rather than held in memory. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024;

const SEVERITY_OF: Record<string, Severity> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
};

/** A finding Harbor grades `Negligible`, `Unknown` or not at all: kept in the report, never counted, never blocking. */
export interface UngradedFinding {
  readonly id: string;
  readonly package: string;
  readonly version: string;
  readonly fixVersion?: string;
  /** Harbor's word for it (`Negligible`, `Unknown`, …). */
  readonly severity: string;
  readonly description: string;
}

/** A stored Harbor report: the graded findings, and the ones a policy never blocks on (`ungraded`). */
export type HarborReport = ScanReport & { readonly ungraded: readonly UngradedFinding[] };

/**
 * A client of a scanner adapter that speaks Harbor's pluggable scanner API: `POST {url}/api/v1/scan` (the registry's
 * address and a pull credential, the artefact's repository, digest and media type) → 202 `{ id }`;
 * `GET {url}/api/v1/scan/{id}/report` → 302 while the scan runs, 200 with the report. Throws with the adapter's
 * status and message on anything else (the poll job counts the attempt and retries).
 */
export class HarborScanner implements VulnerabilityScanner {
  readonly name: string;
  readonly #base: string;
  constructor(
    url: string,
    readonly access: RegistryAccess,
  ) {
    this.#base = url.replace(/\/+$/, '');
    this.name = `harbor-adapter ${new URL(this.#base).host}`;
  }

  async submit(artifact: { readonly repository: string; readonly digest: string; readonly mediaType: string }) {
    const registry = await this.access(artifact.repository);
    const res = await fetch(`${this.#base}/api/v1/scan`, {
      method: 'POST',
      headers: { 'content-type': HARBOR_MEDIA.scanRequest, accept: HARBOR_MEDIA.scanResponse },
      body: JSON.stringify({
        registry: { url: registry.url, authorization: registry.authorization },
        artifact: { repository: artifact.repository, digest: artifact.digest, mime_type: artifact.mediaType },
      }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = await readBody(res);
    if (res.status !== 202)
      throw new Error(`the scanner adapter answered ${res.status} to the scan request${why(body)}`);
    const id = (body as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200)
      throw new Error('the scanner adapter accepted the scan but answered no request id');
    return id;
  }

  async report(requestId: string): Promise<{ state: 'pending' } | { state: 'done'; report: ScanReport }> {
    const res = await fetch(`${this.#base}/api/v1/scan/${encodeURIComponent(requestId)}/report`, {
      headers: { accept: HARBOR_MEDIA.report },
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (res.status === 302) {
      await res.body?.cancel();
      return { state: 'pending' };
    }
    const body = await readBody(res);
    if (res.status !== 200)
      throw new Error(`the scanner adapter answered ${res.status} for report ${requestId}${why(body)}`);
    return { state: 'done', report: toReport(body) };
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text.length > MAX_REPORT_BYTES)
    throw new Error(`the scanner adapter answered more than ${MAX_REPORT_BYTES} bytes`);
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function why(body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? `: ${message.slice(0, 300)}` : '';
}

const str = (v: unknown, max = 500): string | undefined => (typeof v === 'string' ? v.slice(0, max) : undefined);

/**
 * Harbor's report (snake_case, `Critical`…`Unknown`) as this registry stores it. `Negligible` and `Unknown` findings
 * (and any severity Harbor may add) go to `ungraded`: a repository blocking LOW must not refuse a pull because the
 * scanner could not tell how bad something is.
 */
export function toReport(body: unknown): HarborReport {
  if (!body || typeof body !== 'object') throw new Error('the scanner adapter answered a report that is not JSON');
  const b = body as Record<string, unknown>;
  const scanner = (b.scanner ?? {}) as Record<string, unknown>;
  const list = Array.isArray(b.vulnerabilities) ? b.vulnerabilities : [];
  const vulnerabilities: ScanReport['vulnerabilities'][number][] = [];
  const ungraded: UngradedFinding[] = [];
  for (const v of list) {
    const x = (v ?? {}) as Record<string, unknown>;
    const id = str(x.id, 200);
    if (!id) continue;
    const fixVersion = str(x.fix_version, 200);
    const finding = {
      id,
      package: str(x.package, 200) ?? '',
      version: str(x.version, 200) ?? '',
      ...(fixVersion ? { fixVersion } : {}),
      description: str(x.description, 2000) ?? '',
    };
    const said = str(x.severity, 50) ?? '';
    const severity = SEVERITY_OF[said.toLowerCase()];
    if (severity) vulnerabilities.push({ ...finding, severity });
    else ungraded.push({ ...finding, severity: said || 'Unknown' });
  }
  return {
    generatedAt: str(b.generated_at, 100) ?? new Date().toISOString(),
    scanner: {
      name: str(scanner.name, 100) ?? 'unknown',
      vendor: str(scanner.vendor, 100) ?? 'unknown',
      version: str(scanner.version, 100) ?? 'unknown',
    },
    severity: worstOf(vulnerabilities),
    vulnerabilities,
    ungraded,
  };
}
