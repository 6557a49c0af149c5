import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HubModule } from './module-contract.js';

const MODULES_DIR = fileURLToPath(new URL('../modules/', import.meta.url));

/** Every `modules/<name>/index.{ts,js}` that exports `hubModule`, in name order. */
export async function discoverModules(dir: string = MODULES_DIR): Promise<HubModule[]> {
  const modules: HubModule[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const index = ['index.ts', 'index.js'].map((f) => join(dir, entry.name, f)).find(existsSync);
    if (!index) continue;
    const exported = (await import(pathToFileURL(index).href)) as { hubModule?: HubModule };
    if (!exported.hubModule) throw new Error(`module folder ${entry.name} has an index without a hubModule export`);
    modules.push(exported.hubModule);
  }
  return modules;
}
