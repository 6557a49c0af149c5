import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call the vault's routes; see `central/src/kernel/access-matrix.ts` for the roles. The vault's own grants
 * decide on each node (the matrix fixture: a folder head office shares with store A as OWNER, a document in it):
 * people of store A reach it, store B's people and token get the answer a missing node gets (404), and a store's
 * token reads (its handheld's copy) but never writes. Groups, the audit trail and the master keys are head office's.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
/** People of store A (by the folder's grant); store tokens are refused writes; store B hidden (404). */
const PEOPLE_A = 'deny  allow allow allow deny  deny  deny';
/** Store A's people and its node (a read); store B hidden (404). */
const READERS_A = 'deny  allow allow allow allow deny  deny';
/** Any person signed in: the answer is filtered by what they may read (store B's associate gets an empty page). */
const PEOPLE = 'deny  allow allow allow deny  deny  allow';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/vault/*', PUBLIC, 'console files hold no data'],
  ['GET', '/api/vault/nodes/:id', READERS_A, 'hides existence: a folder or document and the caller’s level on it'],
  ['GET', '/api/vault/folders/:id/children', READERS_A, 'hides existence: the children the caller may read, paged'],
  ['POST', '/api/vault/folders', PEOPLE_A, 'hides existence: a new folder (WRITE on the parent)'],
  [
    'POST',
    '/api/vault/folders/:id/documents',
    PEOPLE_A,
    'hides existence: a new document, the body streamed (WRITE on the folder); answers 201',
  ],
  ['PUT', '/api/vault/documents/:id/content', PEOPLE_A, 'hides existence: a new version; answers 201'],
  ['GET', '/api/vault/documents/:id/content', READERS_A, 'hides existence: the content, streamed and checked'],
  ['GET', '/api/vault/documents/:id/versions', READERS_A, 'hides existence'],
  [
    'POST',
    '/api/vault/documents/:id/versions/:no/restore',
    PEOPLE_A,
    'hides existence: an old version made current again (WRITE); answers 201',
  ],
  ['GET', '/api/vault/documents/:id/thumbnail', READERS_A, 'hides existence: images only (else 404)'],
  ['PATCH', '/api/vault/nodes/:id', PEOPLE_A, 'hides existence: rename, move, tags, offline'],
  ['DELETE', '/api/vault/nodes/:id', PEOPLE_A, 'hides existence: to the trash (DELETE)'],
  ['GET', '/api/vault/trash', PEOPLE, 'what the caller may restore'],
  ['POST', '/api/vault/trash/:id/restore', PEOPLE_A, 'hides existence'],
  ['DELETE', '/api/vault/trash/:id', PEOPLE_A, 'hides existence: emptied for good now (OWNER)'],
  ['GET', '/api/vault/search', PEOPLE, 'name, tag, owner and full text; only what the caller may read'],
  ['GET', '/api/vault/nodes/:id/grants', PEOPLE_A, 'hides existence: direct and inherited grants (SHARE)'],
  ['PUT', '/api/vault/nodes/:id/grants/:subject', PEOPLE_A, 'hides existence: share (SHARE; OWNER to give OWNER)'],
  ['DELETE', '/api/vault/nodes/:id/grants/:subject', PEOPLE_A, 'hides existence: revoke (SHARE)'],
  ['GET', '/api/vault/check', PEOPLE, 'may I do P on N? (another person’s: head office only)'],
  ['GET', '/api/vault/groups', ADMIN],
  ['POST', '/api/vault/groups', ADMIN],
  ['GET', '/api/vault/groups/:id', ADMIN, 'a group and its members'],
  ['DELETE', '/api/vault/groups/:id', ADMIN],
  ['PUT', '/api/vault/groups/:id/members/:userId', ADMIN],
  ['DELETE', '/api/vault/groups/:id/members/:userId', ADMIN],
  ['GET', '/api/vault/audit', ADMIN, 'the audit trail, newest first, paged'],
  ['POST', '/api/vault/audit/verify', ADMIN, 'checks the whole chain'],
  ['GET', '/api/vault/keys', ADMIN, 'master keys: which is current, versions under each, re-wrap progress'],
  ['POST', '/api/vault/keys/rotate', ADMIN, 'a new master key; old versions re-wrapped in the background; answers 202'],
]);
