import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Queryable } from '../../../db/db.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { Principal, Role } from '../../../kernel/principal.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { VaultAcl } from '../acl.js';
import type { VaultAudit } from '../audit.js';
import type { VaultStoreFeed } from '../store-feed.js';
import type { VaultAuditInput } from '../types.js';

export const ROOT = '00000000-0000-4000-8000-000000000000';

/** The hub's modules with the vault's context kept, so a test reaches the module's parts on the hub it started. */
export const vaultModulesKeepingContext = () => modulesKeepingContext('vault');

/** A recording stand-in for the audit trail and the store feed (what the ACL tells them, in order). */
export function recorders() {
  const audit: VaultAuditInput[] = [];
  const changed: string[][] = [];
  const fakeAudit = {
    append: async (_q: Queryable, e: VaultAuditInput) => {
      audit.push(e);
    },
  } as unknown as VaultAudit;
  const fakeFeed = {
    changed: async (_q: Queryable, ids: readonly string[]) => {
      changed.push([...ids]);
    },
  } as unknown as VaultStoreFeed;
  return { audit, changed, fakeAudit, fakeFeed };
}

/** Makes a tree by SQL the way the documents service lays it out (parent_id + the `ancestors` array). */
export class Tree {
  constructor(readonly db: Queryable) {}

  async node(parentId: string, name: string, kind: 'FOLDER' | 'DOCUMENT' = 'FOLDER'): Promise<string> {
    const id = randomUUID();
    await this.db.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
       SELECT $1::uuid, $2, p.id, p.ancestors || p.id, $3, 'user:test', now(), now() FROM vault_nodes p WHERE p.id = $4::uuid`,
      [id, kind, name, parentId],
    );
    return id;
  }
  folder(parentId: string, name: string) {
    return this.node(parentId, name, 'FOLDER');
  }
  doc(parentId: string, name: string) {
    return this.node(parentId, name, 'DOCUMENT');
  }
  /** What a move does to the tree: the node's parent, and the `ancestors` of the node and everything under it. */
  async move(nodeId: string, newParentId: string): Promise<void> {
    await this.db.query(
      `WITH np AS (SELECT ancestors || id AS pre FROM vault_nodes WHERE id = $2::uuid),
            me AS (SELECT ancestors AS old FROM vault_nodes WHERE id = $1::uuid)
       UPDATE vault_nodes n SET ancestors = np.pre || n.ancestors[cardinality(me.old) + 1:],
         parent_id = CASE WHEN n.id = $1::uuid THEN $2::uuid ELSE n.parent_id END
       FROM np, me WHERE n.id = $1::uuid OR $1::uuid = ANY(n.ancestors)`,
      [nodeId, newParentId],
    );
  }
  /** What a delete does: the node and everything under it to the trash, `trash_root` the node. */
  async trash(nodeId: string): Promise<void> {
    await this.db.query(
      `UPDATE vault_nodes SET state = 'TRASHED', trashed_at = now(), trashed_by = 'user:test', trash_root = $1::uuid
       WHERE id = $1::uuid OR $1::uuid = ANY(ancestors)`,
      [nodeId],
    );
  }
  async grant(nodeId: string, subject: string, level: number): Promise<void> {
    await this.db.query(
      `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at) VALUES ($1::uuid, $2, $3, 'user:test', now())
       ON CONFLICT (node_id, subject) DO UPDATE SET level = EXCLUDED.level`,
      [nodeId, subject, level],
    );
  }
  async ungrant(nodeId: string, subject: string): Promise<void> {
    await this.db.query('DELETE FROM vault_grants WHERE node_id = $1::uuid AND subject = $2', [nodeId, subject]);
  }
}

export interface AclWorld {
  readonly t: TestHub;
  readonly admin: string;
  readonly ctx: HubContext;
  readonly acl: VaultAcl;
  readonly tree: Tree;
  readonly rec: ReturnType<typeof recorders>;
  readonly storeA: { id: string; token: string };
  readonly storeB: { id: string; token: string };
  /** A person with a session cookie: `person('ASSOCIATE', 'A')`. */
  person(role: Role, store: 'A' | 'B' | null, name?: string): Promise<Principal & { kind: 'user'; cookie: string }>;
  /** A person in the users table who never signs in (no password hashing: fast), for service-level checks. */
  quickPerson(role: Role, store: 'A' | 'B' | null): Promise<Principal & { kind: 'user' }>;
}

let emails = 0;

/** A hub on `target` with the vault, stores A and B, an ACL whose audit and feed record, and a tree helper. */
export function aclWorld(target: DbTarget): AclWorld {
  const s: Partial<Record<keyof AclWorld, unknown>> = {};
  beforeAll(async () => {
    const { modules, context } = await vaultModulesKeepingContext();
    const t = await TestHub.start(target, { modules });
    s.t = t;
    s.admin = await t.login();
    s.ctx = context();
    s.rec = recorders();
    const rec = s.rec as ReturnType<typeof recorders>;
    s.acl = new VaultAcl(context(), rec.fakeAudit, rec.fakeFeed);
    s.tree = new Tree(t.hub.db);
    s.storeA = await t.store(`VA${++emails}`, s.admin as string);
    s.storeB = await t.store(`VB${++emails}`, s.admin as string);
  }, 180_000);
  afterAll(async () => {
    await (s.t as TestHub | undefined)?.stop();
  });
  const get = <K extends keyof AclWorld>(k: K) => {
    if (s[k] === undefined) throw new Error('the world is not built yet: use it inside a test');
    return s[k] as AclWorld[K];
  };
  return {
    get t() {
      return get('t');
    },
    get admin() {
      return get('admin');
    },
    get ctx() {
      return get('ctx');
    },
    get acl() {
      return get('acl');
    },
    get tree() {
      return get('tree');
    },
    get rec() {
      return get('rec');
    },
    get storeA() {
      return get('storeA');
    },
    get storeB() {
      return get('storeB');
    },
    async quickPerson(role, store) {
      const t = get('t');
      const id = randomUUID();
      const storeId = store === 'A' ? get('storeA').id : store === 'B' ? get('storeB').id : null;
      await t.hub.db.query(
        `INSERT INTO users (id, email, name, role, store_id, password_hash, created_at)
         VALUES ($1::uuid, $2, $3, $4, $5::uuid, 'not-a-hash', 0)`,
        [id, `q-${id}@example.test`, `${role} ${store ?? 'HQ'} ${id.slice(0, 4)}`, role, storeId],
      );
      return { kind: 'user', userId: id, role, storeId } as Principal & { kind: 'user' };
    },
    async person(role, store, name) {
      const t = get('t');
      const email = `p${++emails}-${randomUUID().slice(0, 8)}@example.test`;
      const password = 'a long enough password for tests';
      const storeId = store === 'A' ? get('storeA').id : store === 'B' ? get('storeB').id : null;
      const u = await t.hub.auth.createUser({
        email,
        password,
        name: name ?? `${role} ${store ?? 'HQ'} ${emails}`,
        role,
        ...(storeId ? { storeId } : {}),
      } as Parameters<typeof t.hub.auth.createUser>[0]);
      const cookie = await t.login(email, password);
      return { kind: 'user', userId: u.id, role, storeId: storeId as never, cookie } as Principal & {
        kind: 'user';
        cookie: string;
      };
    },
  };
}
