import { hubAccessTable, type HubAccessRow } from '../../kernel/access-matrix.js';

/**
 * Who may call the registry's routes; see `central/src/kernel/access-matrix.ts` for the roles. The `/v2/` rows are
 * the OCI API at the hub's root: the matrix calls them with the roles' hub credentials (a session cookie, a store's
 * bearer token), which `/v2/` takes as a client's registry token. The fixture: a release repository
 * (`releases/matrix-app`) with one manifest, its blobs and a referrer; the pulls are probed there (every store and
 * every person pulls releases), the pushes and deletes on an image repository only head office writes.
 */
const PUBLIC = 'allow allow allow allow allow allow allow';
const SIGNED_IN = 'deny  allow allow allow allow allow allow';
const ADMIN = 'deny  allow deny  deny  deny  deny  deny';
/** Store A's people and node, and head office. */
const STORE_A = 'deny  allow allow allow allow deny  deny';

export const accessMatrix: HubAccessRow[] = hubAccessTable([
  //                                                 anon  admin mgrA  asocA tokA  tokB  asocB
  ['GET', '/console/modules/registry/*', PUBLIC, 'console files hold no data'],
  [
    'GET',
    '/api/registry/token',
    SIGNED_IN,
    'the Docker token realm: HTTP Basic or a hub credential; the token grants what the policy allows (none is a 401)',
  ],
  ['GET', '/api/registry/repositories', ADMIN],
  ['GET', '/api/registry/repositories/:name', ADMIN, 'the name URL-encoded (releases%2Fapp)'],
  ['PATCH', '/api/registry/repositories/:name', ADMIN, 'quota and pull-blocking policy'],
  ['GET', '/api/registry/stats', ADMIN, 'bytes stored, bytes pushed, dedup savings'],
  ['GET', '/api/registry/gc/runs', ADMIN],
  ['POST', '/api/registry/gc/runs', ADMIN, 'starts a collection now; answers 202'],
  ['GET', '/api/registry/scans/:digest', ADMIN, 'the scan report of a manifest'],
  ['POST', '/api/registry/scans/:digest', ADMIN, 'scan again; answers 202'],
  ['GET', '/api/registry/mirror', ADMIN, 'the mirror’s progress (a hub with REGISTRY_MIRROR_OF)'],
  [
    'POST',
    '/api/registry/mirror/runs',
    ADMIN,
    'pulls what is new now (202 on a mirror); answers 409 on a hub that mirrors nothing, as the matrix’s',
  ],
  ['POST', '/api/registry/releases', ADMIN, 'announces a release to stores; answers 201'],
  ['GET', '/api/registry/releases', ADMIN],
  ['POST', '/api/registry/releases/:id/withdraw', ADMIN],
  ['GET', '/api/registry/releases/:id/stores', ADMIN, 'which store runs it, paged'],
  ['GET', '/api/registry/stores/:storeId/releases', STORE_A, 'the releases a store should run and what it reported'],
  // the OCI distribution API (root routes)
  ['GET', '/v2', SIGNED_IN, 'the API version check: 200 for any caller with a credential, else the challenge'],
  ['GET', '/v2/_catalog', ADMIN, 'repositories, paged with n/last and Link'],
  ['HEAD', '/v2/*name/blobs/:digest', SIGNED_IN, 'probed on a release repository'],
  ['GET', '/v2/*name/blobs/:digest', SIGNED_IN, 'probed on a release repository; Range too'],
  ['DELETE', '/v2/*name/blobs/:digest', ADMIN, 'answers 202'],
  ['POST', '/v2/*name/blobs/uploads', ADMIN, 'a session (202), a monolithic upload or a mount (201)'],
  ['GET', '/v2/*name/blobs/uploads/:uuid', ADMIN, 'hides existence: another caller’s session is BLOB_UPLOAD_UNKNOWN'],
  ['PATCH', '/v2/*name/blobs/uploads/:uuid', ADMIN, 'hides existence; answers 202'],
  ['PUT', '/v2/*name/blobs/uploads/:uuid', ADMIN, 'hides existence; answers 201'],
  ['DELETE', '/v2/*name/blobs/uploads/:uuid', ADMIN, 'hides existence; answers 204'],
  ['HEAD', '/v2/*name/manifests/:reference', SIGNED_IN, 'probed on a release repository'],
  ['GET', '/v2/*name/manifests/:reference', SIGNED_IN, 'probed on a release repository'],
  ['PUT', '/v2/*name/manifests/:reference', ADMIN, 'answers 201'],
  ['DELETE', '/v2/*name/manifests/:reference', ADMIN, 'answers 202'],
  ['GET', '/v2/*name/tags/list', SIGNED_IN, 'probed on a release repository'],
  ['GET', '/v2/*name/referrers/:digest', SIGNED_IN, 'probed on a release repository'],
]);
