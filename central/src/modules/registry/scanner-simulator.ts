import type { ScanReport, Severity, VulnerabilityScanner } from './types.js';
import { SEVERITIES } from './types.js';

/** The label the simulator reads from an image's config: `CVE-2024-0001:CRITICAL:openssl:3.0.1:3.0.2,CVE-…`. */
export const SIMULATOR_LABEL = 'org.storefleet.test.vulnerabilities';

/** What a scanner reads of a pushed artefact (the simulator reads it from this hub; a real one pulls over `/v2/`). */
export interface ArtifactSource {
  /** The manifest's bytes as pushed to `repository`, or null when it is not there (any more). */
  manifest(repository: string, digest: string): Promise<Buffer | null>;
  /** A blob's bytes, or null when it is not stored. Called for a config blob only (small). */
  blob(digest: string): Promise<Buffer | null>;
}

const SCANNER = { name: 'storefleet-simulator', vendor: 'Storefleet', version: '1.0' } as const;

/**
 * The findings the simulator reports for a config blob's JSON: the entries of its `SIMULATOR_LABEL` label (Docker's
 * `config.Labels`), each `id:severity:package:version[:fixVersion]`; malformed entries are skipped; none without it.
 */
export function simulatedFindings(config: unknown): ScanReport['vulnerabilities'] {
  const labels = (config as { config?: { Labels?: Record<string, unknown> } } | null)?.config?.Labels;
  const value = labels?.[SIMULATOR_LABEL];
  if (typeof value !== 'string') return [];
  const out: ScanReport['vulnerabilities'][number][] = [];
  for (const entry of value.split(',')) {
    const [id, severity, pkg, version, fixVersion] = entry.trim().split(':');
    if (!id || !pkg || !version || !SEVERITIES.includes(severity as Severity)) continue;
    out.push({
      id,
      package: pkg,
      version,
      ...(fixVersion ? { fixVersion } : {}),
      severity: severity as Severity,
      description: `${id} in ${pkg} ${version} (reported by the simulator from the image's test label)`,
    });
  }
  return out;
}

/** The worst severity of `findings`, or NONE. */
export function worstOf(findings: readonly { readonly severity: Severity }[]): Severity | 'NONE' {
  for (const s of SEVERITIES) if (findings.some((f) => f.severity === s)) return s;
  return 'NONE';
}

/**
 * The scanner simulator: deterministic, like the EICAR file for virus scanners. It reads the manifest's config blob
 * and reports the findings its test label lists, nothing otherwise (an index, an artefact without a JSON config:
 * none). A report is pending at its first ask and ready at the second, so the pending path is exercised. The request
 * id names the artefact, so a hub restarted mid-scan still answers it.
 */
export class SimulatedScanner implements VulnerabilityScanner {
  readonly name = `${SCANNER.name} ${SCANNER.version}`;
  readonly #asked = new Set<string>();
  constructor(
    readonly source: ArtifactSource,
    readonly now: () => number = Date.now,
  ) {}

  submit(artifact: { readonly repository: string; readonly digest: string; readonly mediaType: string }) {
    return Promise.resolve(`sim:${artifact.repository}@${artifact.digest}`);
  }

  async report(requestId: string): Promise<{ state: 'pending' } | { state: 'done'; report: ScanReport }> {
    const m = /^sim:(.+)@(sha256:[a-f0-9]{64})$/.exec(requestId);
    if (!m) throw new Error(`the simulator knows no scan request ${requestId}`);
    if (!this.#asked.has(requestId)) {
      this.#asked.add(requestId);
      return { state: 'pending' };
    }
    this.#asked.delete(requestId);
    const vulnerabilities = await this.#findings(m[1]!, m[2]!);
    return {
      state: 'done',
      report: {
        generatedAt: new Date(this.now()).toISOString(),
        scanner: SCANNER,
        severity: worstOf(vulnerabilities),
        vulnerabilities,
      },
    };
  }

  async #findings(repository: string, digest: string): Promise<ScanReport['vulnerabilities']> {
    const body = await this.source.manifest(repository, digest);
    if (!body) throw new Error(`manifest ${digest} is not in ${repository} any more`);
    const configDigest = parseJson(body)?.config?.digest;
    if (typeof configDigest !== 'string') return [];
    const config = await this.source.blob(configDigest);
    return config ? simulatedFindings(parseJson(config)) : [];
  }
}

function parseJson(b: Buffer): { config?: { digest?: unknown } } | null {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}
