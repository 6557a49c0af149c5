import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { browserAssetsDir, apiDoc } from '@storefleet/shared';
import { principalOf, requireRole } from '../kernel/access.js';
import type { ConsoleRole, HubModule } from '../kernel/module-contract.js';

const SHELL_DIR = fileURLToPath(new URL('./static/', import.meta.url));
const ADMIN_ONLY: readonly ConsoleRole[] = ['ADMIN'];
const ADMIN_AND_MANAGER: readonly ConsoleRole[] = ['ADMIN', 'STORE_MANAGER'];

/** A page as the menu lists it; `managerTitle` is its name in a store manager's menu when that differs. */
interface ListedPage {
  readonly path: string;
  readonly title: string;
  readonly managerTitle?: string;
  readonly script: string;
  readonly module: string;
  readonly roles: readonly ConsoleRole[];
}

const CORE_PAGES: readonly ListedPage[] = [
  { path: 'fleet', title: 'Fleet', script: '/console/pages/fleet.js', module: 'core', roles: ADMIN_ONLY },
  // a manager sees (and adds nothing to) their own store's associates: "Staff"
  {
    path: 'users',
    title: 'Users',
    managerTitle: 'Staff',
    script: '/console/pages/users.js',
    module: 'core',
    roles: ADMIN_AND_MANAGER,
  },
  // the hub's cross-module flows (central/src/workflows/) are no module: their page ships with the shell
  {
    path: 'workflow-incidents',
    title: 'Order incidents',
    script: '/console/pages/workflow-incidents.js',
    module: 'workflows',
    roles: ADMIN_AND_MANAGER,
  },
];

/**
 * The console: its shell at `/console/`, each module's browser files at `/console/modules/<name>/`, and the list of
 * pages the shell's menu shows (`GET /api/console/pages`). A module adds a page by naming it in `console`; nothing
 * else changes. The files are public (they hold no data); every call they make needs a signed-in ADMIN, or a STORE_MANAGER
 * for the pages open to them (their own store's data only).
 */
export function consoleStatic(modules: readonly HubModule[]): Router {
  const r = Router();
  r.get(
    '/',
    apiDoc({
      summary: 'The hub’s root: a redirect to the console',
      tags: ['console'],
      access: ['public'],
      responses: { 302: 'To /console/' },
    }),
    (_req, res) => res.redirect('/console/'),
  );
  r.use('/console', express.static(SHELL_DIR, { index: 'index.html', fallthrough: true }));
  r.use('/shared', express.static(fileURLToPath(browserAssetsDir), { index: false }));
  for (const m of modules) {
    if (!m.console) continue;
    r.use(`/console/modules/${m.name}`, express.static(fileURLToPath(m.console.dir), { index: false }));
  }
  return r;
}

/**
 * `GET /api/console/pages`: the pages the signed-in person's role may open (ADMIN and STORE_MANAGER may ask), each
 * `{ path, title, script, module, roles }`. A page a module declares without `roles` is head office's only.
 */
export function consolePagesRoute(modules: readonly HubModule[]): Router {
  const pages: ListedPage[] = [
    ...CORE_PAGES,
    ...modules.flatMap((m) =>
      (m.console?.pages ?? []).map((p) => ({
        path: p.path,
        title: p.title,
        script: `/console/modules/${m.name}/${p.script}`,
        module: m.name,
        roles: p.roles ?? ADMIN_ONLY,
      })),
    ),
  ];
  const seen = new Set<string>();
  for (const p of pages) {
    if (seen.has(p.path)) throw new Error(`console page ${p.path} is claimed twice (module ${p.module})`);
    seen.add(p.path);
  }
  const r = Router();
  r.get(
    '/console/pages',
    apiDoc({
      summary: 'The console pages the signed-in person’s role may open',
      tags: ['console'],
      responses: { 200: 'Pages with their path, title, script and module' },
      access: ['admin', 'staff'],
    }),
    requireRole('ADMIN', 'STORE_MANAGER'),
    (req, res) => {
      const p = principalOf(req);
      const role = p.kind === 'user' && p.role === 'STORE_MANAGER' ? 'STORE_MANAGER' : 'ADMIN';
      const items = pages
        .filter((page) => page.roles.includes(role))
        .map(({ managerTitle, ...page }) => ({
          ...page,
          title: role === 'STORE_MANAGER' && managerTitle ? managerTitle : page.title,
        }));
      res.json({ items });
    },
  );
  return r;
}
