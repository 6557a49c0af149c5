import type { RegistryScannerChoice } from '../../kernel/hub-settings.js';
import { HarborScanner, type RegistryAccess } from './scanner-http.js';
import { type ArtifactSource, SimulatedScanner } from './scanner-simulator.js';
import type { VulnerabilityScanner } from './types.js';

/** What the adapters need from the hub: the simulator reads artefacts here; the http one tells its adapter where. */
export interface ScannerDeps {
  readonly source: ArtifactSource;
  readonly access: RegistryAccess;
  readonly now: () => number;
}

/**
 * The scanner adapter the settings name (lane: gc-scan): the simulator (like EICAR for virus scanners, it finds
 * vulnerabilities only in images that carry its test marker, see README) or Harbor's pluggable scanner API over HTTP.
 * Undefined when none is configured (production without REGISTRY_SCANNER): scans are recorded UNSCANNED.
 */
export function scannerFor(
  choice: RegistryScannerChoice | undefined,
  deps: ScannerDeps,
): VulnerabilityScanner | undefined {
  if (!choice) return undefined;
  if (choice.adapter === 'simulator') return new SimulatedScanner(deps.source, deps.now);
  return new HarborScanner(choice.url, deps.access);
}
