import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { browserAssetsDir } from '@storefleet/shared';
import { requireRole } from '../kernel/access.js';
import type { HubModule } from '../kernel/module-contract.js';

const SHELL_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const CORE_PAGES = [
  { path: 'fleet', title: 'Fleet', script: '/console/pages/fleet.js', module: 'core' },
  { path: 'users', title: 'Users', script: '/console/pages/users.js', module: 'core' },
  // the hub's cross-module flows (central/src/workflows/) are no module: their page ships with the shell
  {
    path: 'workflow-incidents',
    title: 'Order incidents',
    script: '/console/pages/workflow-incidents.js',
    module: 'workflows',
  },
];

/**
 * The console: its shell at `/console/`, each module's browser files at `/console/modules/<name>/`, and the list of
 * pages the shell's menu shows (`GET /api/console/pages`). A module adds a page by naming it in `console`; nothing
 * else changes. The files are public (they hold no data); every call they make needs a signed-in ADMIN.
 */
export function consoleStatic(modules: readonly HubModule[]): Router {
  const r = Router();
  r.get('/', (_req, res) => res.redirect('/console/'));
  r.use('/console', express.static(SHELL_DIR, { index: 'index.html', fallthrough: true }));
  r.use('/shared', express.static(fileURLToPath(browserAssetsDir), { index: false }));
  for (const m of modules) {
    if (!m.console) continue;
    r.use(`/console/modules/${m.name}`, express.static(fileURLToPath(m.console.dir), { index: false }));
  }
  return r;
}

export function consolePagesRoute(modules: readonly HubModule[]): Router {
  const pages = [
    ...CORE_PAGES,
    ...modules.flatMap((m) =>
      (m.console?.pages ?? []).map((p) => ({
        path: p.path,
        title: p.title,
        script: `/console/modules/${m.name}/${p.script}`,
        module: m.name,
      })),
    ),
  ];
  const seen = new Set<string>();
  for (const p of pages) {
    if (seen.has(p.path)) throw new Error(`console page ${p.path} is claimed twice (module ${p.module})`);
    seen.add(p.path);
  }
  const r = Router();
  r.get('/console/pages', requireRole('ADMIN'), (_req, res) => res.json({ items: pages }));
  return r;
}
