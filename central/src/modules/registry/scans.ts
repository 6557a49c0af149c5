import { buffer } from 'node:stream/consumers';
import type { HubContext } from '../../kernel/module-contract.js';
import type { ScannerDeps } from './scanner.js';
import { ScanNotPossible } from './scanner-http.js';
import { type ScanCounts, type ScanView, scansRepository as repo } from './scans-repository.js';
import type { RegistryStorage, Severity, VulnerabilityScanner } from './types.js';
import { SEVERITIES } from './types.js';

export const REGISTRY_SCAN_POLL_JOB = 'registry.scan-poll';
/** Asks for a report before a scan is given up as FAILED (at the default 2 s poll: ten minutes). */
export const SCAN_MAX_ATTEMPTS = 300;
/** A scan with no request id this old and no failed submit is one whose pusher died before submitting. */
const RESUBMIT_AFTER_MS = 60_000;
/** Pending scans asked about per poll. */
const POLL_BATCH = 50;
/** A config blob larger than this is not read by the simulator (configs are a few kB). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const NO_PUBLIC_URL =
  'REGISTRY_SCANNER=http needs REGISTRY_PUBLIC_URL (the address the scanner adapter pulls the artefact from)';
/** CVE ids named in a refusal (the rest are counted). */
const NAMED_FINDINGS = 5;

const rank = (s: Severity) => SEVERITIES.indexOf(s);
const countOf = (c: ScanCounts, s: Severity) =>
  s === 'CRITICAL' ? c.critical : s === 'HIGH' ? c.high : s === 'MEDIUM' ? c.medium : c.low;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Vulnerability scans (lane: gc-scan): a scan is asked for when a manifest is pushed, its report polled by the job
 * `registry.scan-poll`, stored, and shown; a repository's `block_severity` refuses pulls of a manifest whose report
 * found that severity or worse (403 DENIED naming the findings). An unscanned manifest is never blocked.
 *
 * Scanning is per digest: a manifest pushed to a second repository is not scanned again. A scan is PENDING from the
 * push until its report is stored (DONE) or the adapter failed `SCAN_MAX_ATTEMPTS` asks (FAILED, with the last
 * reason); UNSCANNED when no scanner is configured.
 */
export class RegistryScans {
  readonly scanner: VulnerabilityScanner | undefined;
  constructor(
    readonly ctx: HubContext,
    readonly storage: RegistryStorage,
    scannerOf: (deps: ScannerDeps) => VulnerabilityScanner | undefined,
    /** A short-lived pull token for one repository, for the adapter (RegistryAuth.scannerToken). */
    scannerToken?: (repository: string) => Promise<string>,
  ) {
    this.scanner = scannerOf({
      now: ctx.now,
      source: {
        manifest: (repository, digest) => repo.manifestBody(ctx.db, repository, digest),
        blob: async (digest) => {
          const stat = await storage.stat(digest);
          if (!stat || stat.size > MAX_CONFIG_BYTES) return null;
          return buffer(await storage.get(digest));
        },
      },
      // the adapter pulls from the address clients use, with a token that pulls that one repository
      access: async (repository) => {
        const url = ctx.settings.registry.publicUrl;
        if (!url) throw new ScanNotPossible(NO_PUBLIC_URL);
        if (!scannerToken) throw new ScanNotPossible('this hub has no way to give the scanner adapter a pull token');
        return { url, authorization: `Bearer ${await scannerToken(repository)}` };
      },
    });
  }

  /** A manifest was pushed: ask for its scan (after the push's transaction; never fails the push). */
  async requested(repository: string, digest: string, mediaType: string): Promise<void> {
    try {
      const made = await repo.request(this.ctx.db, {
        digest,
        repository,
        state: this.scanner ? 'PENDING' : 'UNSCANNED',
        scanner: this.scanner?.name ?? 'none',
        at: this.ctx.now(),
      });
      if (made && this.scanner) await this.#submit(repository, digest, mediaType);
    } catch (err) {
      this.ctx.log.warn({ err, repository, digest }, 'registry: could not ask for a vulnerability scan');
    }
  }

  /** Scans `digest` again (the console's rescan); false when `repository` holds no such manifest. */
  async rescan(repository: string, digest: string): Promise<boolean> {
    const mediaType = await repo.manifestMediaType(this.ctx.db, repository, digest);
    if (!mediaType) return false;
    await repo.restart(this.ctx.db, {
      digest,
      repository,
      state: this.scanner ? 'PENDING' : 'UNSCANNED',
      scanner: this.scanner?.name ?? 'none',
      at: this.ctx.now(),
    });
    if (this.scanner) await this.#submit(repository, digest, mediaType);
    return true;
  }

  /** The scan of `digest`, or null when none was asked for. */
  get(digest: string): Promise<ScanView | null> {
    return repo.get(this.ctx.db, digest);
  }

  /** Why a pull of this manifest is refused by the repository's policy, or null when it is not. */
  async blockedReason(repository: string, digest: string): Promise<string | null> {
    const found = await repo.policyAndCounts(this.ctx.db, repository, digest);
    if (!found?.block) return null;
    const threshold = rank(found.block);
    const blocked = found.scans.filter((c) => SEVERITIES.some((s) => rank(s) <= threshold && countOf(c, s) > 0));
    if (blocked.length === 0) return null;
    const bad = SEVERITIES.filter((s) => rank(s) <= threshold);
    const counts = bad
      .map((s) => [s, blocked.reduce((sum, c) => sum + countOf(c, s), 0)] as const)
      .filter(([, k]) => k > 0);
    const total = counts.reduce((sum, [, k]) => sum + k, 0);
    const findings = (
      await repo.findings(
        this.ctx.db,
        blocked.map((c) => c.digest),
      )
    ).filter((v) => rank(v.severity) <= threshold);
    const ids = [...new Set(findings.map((v) => v.id))];
    const named = ids.slice(0, NAMED_FINDINGS).join(', ') + (ids.length > NAMED_FINDINGS ? ', …' : '');
    const what = counts.map(([s, k]) => `${k} ${s}`).join(' and ');
    const children = blocked.filter((c) => c.digest !== digest).map((c) => c.digest);
    const of = children.length === 0 ? digest : `${digest} is an index whose image ${children.join(', ')}`;
    return (
      `pull refused: ${of} has ${what} ${total === 1 ? 'vulnerability' : 'vulnerabilities'} (${named}); ` +
      `the repository blocks ${found.block}${found.block === 'CRITICAL' ? '' : ' and worse'}`
    );
  }

  /** Defines the poll job and schedules it every `tuning.registryScanPollMs` (only with a scanner). */
  async start(): Promise<void> {
    if (this.ctx.settings.registry.scanner?.adapter === 'http' && !this.ctx.settings.registry.publicUrl)
      this.ctx.log.warn(`registry: ${NO_PUBLIC_URL}; every scan will be FAILED until it is set`);
    this.ctx.jobs.define<unknown>({
      name: REGISTRY_SCAN_POLL_JOB,
      run: async (job) => {
        await this.poll(job.signal);
      },
    });
    if (this.scanner)
      await this.ctx.jobs.schedule(REGISTRY_SCAN_POLL_JOB, {
        everyMs: this.ctx.settings.tuning.registryScanPollMs,
        jitter: 0.1,
      });
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Asks the scanner about pending scans (oldest first, a batch): submits those whose submit failed, stores ready
   * reports, counts every failed or not-yet-ready ask. Resolves with how many scans it completed.
   */
  async poll(signal?: AbortSignal): Promise<number> {
    const scanner = this.scanner;
    if (!scanner) return 0;
    let completed = 0;
    for (const scan of await repo.pending(this.ctx.db, POLL_BATCH)) {
      if (signal?.aborted) break;
      const now = this.ctx.now();
      try {
        if (!scan.requestId) {
          // the push that made the row is submitting it right now, unless its submit failed or it died before
          if (scan.attempts === 0 && now - scan.requestedAt < RESUBMIT_AFTER_MS) continue;
          const mediaType = await repo.manifestMediaType(this.ctx.db, scan.repository, scan.digest);
          if (!mediaType) throw new Error(`manifest ${scan.digest} is no longer in ${scan.repository}`);
          await this.#submit(scan.repository, scan.digest, mediaType);
          continue;
        }
        const answer = await scanner.report(scan.requestId);
        if (answer.state === 'pending') {
          await repo.stillPending(this.ctx.db, scan.digest, SCAN_MAX_ATTEMPTS, now);
          continue;
        }
        await repo.done(this.ctx.db, scan.digest, scan.requestId, answer.report, now);
        completed++;
        this.ctx.log.info(
          { digest: scan.digest, repository: scan.repository, severity: answer.report.severity },
          'registry: vulnerability scan done',
        );
      } catch (err) {
        this.ctx.log.warn({ err, digest: scan.digest }, 'registry: asking the scanner failed');
        await repo.attemptFailed(this.ctx.db, scan.digest, message(err), SCAN_MAX_ATTEMPTS, now);
      }
    }
    return completed;
  }

  async #submit(repository: string, digest: string, mediaType: string): Promise<void> {
    try {
      const requestId = await this.scanner!.submit({ repository, digest, mediaType });
      await repo.submitted(this.ctx.db, digest, requestId);
    } catch (err) {
      this.ctx.log.warn({ err, repository, digest }, 'registry: the scanner refused the scan request');
      // a configuration that cannot work fails the scan at once; anything else is asked again by the poll job
      const attempts = err instanceof ScanNotPossible ? 1 : SCAN_MAX_ATTEMPTS;
      await repo.attemptFailed(this.ctx.db, digest, message(err), attempts, this.ctx.now());
    }
  }
}
