import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import {
  API_DOCS_CSP,
  API_DOCS_OWN_FILES,
  API_DOCS_SWAGGER_FILES,
  apiDocsPageDir,
  buildOpenApi,
  NotFoundError,
} from '@storefleet/shared';
import { storeApiDoc } from './api-doc.js';
import { DEVICE_COOKIE } from './access/screen-guard.js';

/**
 * The store node's OpenAPI document and docs page (issue #26), as the hub serves its own: `GET /openapi.json` built on
 * the first ask from every route of the node's app (each carries its `storeApiDoc`), and Swagger UI at `/api-docs/`
 * from the installed `swagger-ui-dist`, with our own page and initializer (no CDN). The node's callers are its screens
 * and paired handhelds; its access words map to the document's as `api-doc.ts` says.
 */
export function storeOpenApiRoutes(app: Express): Router {
  const r = express.Router();
  let built: string | undefined;
  const document = () =>
    buildOpenApi({
      title: 'Storefleet store node',
      version: '1.0.0',
      description:
        'The store node’s HTTP API for its own screens (POS lanes, kiosk, pickup desk, back office) and paired ' +
        'handhelds. Errors are RFC 9457 problem+json; every write accepts an `Idempotency-Key`.',
      groups: [{ prefix: '', router: app, tag: 'Node' }],
      securitySchemes: {
        deviceToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A paired handheld’s device token (the node’s own screens on a trusted address need none).',
        },
        deviceCookie: { type: 'apiKey', in: 'cookie', name: DEVICE_COOKIE, description: 'A paired device’s token.' },
      },
      accessSchemes: { public: [], staff: ['deviceToken', 'deviceCookie'], admin: [], store: [], customer: [] },
    });
  r.get(
    '/openapi.json',
    storeApiDoc({
      audience: 'everyone',
      tag: 'Docs',
      summary: 'The OpenAPI 3.1 document of this node’s API',
      description: 'Built from the routes themselves: every route and the schemas its handler validates with.',
      responses: { 200: 'application/json' },
    }),
    (_req, res) => {
      built ??= JSON.stringify(document());
      res.type('application/json').set('Cache-Control', 'no-cache').send(built);
    },
  );
  const swaggerDir = (
    createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string }
  ).getAbsoluteFSPath();
  const ownDir = fileURLToPath(apiDocsPageDir);
  const send = (file: string, res: express.Response) => {
    const own = API_DOCS_OWN_FILES[file];
    const swagger = API_DOCS_SWAGGER_FILES[file];
    if (!own && !swagger) throw new NotFoundError('docs page file', file);
    res.set('Content-Security-Policy', API_DOCS_CSP);
    res.type((own ?? swagger)!).sendFile(join(own ? ownDir : swaggerDir, file), { maxAge: own ? 0 : '1h' });
  };
  r.get(
    '/api-docs',
    storeApiDoc({
      audience: 'everyone',
      tag: 'Docs',
      summary: 'The API docs page (Swagger UI on /openapi.json)',
      responses: { 200: 'text/html' },
    }),
    (_req, res) => send('index.html', res),
  );
  r.get(
    '/api-docs/:file',
    storeApiDoc({
      audience: 'everyone',
      tag: 'Docs',
      summary: 'A file of the API docs page (its script, style sheet and icon)',
      responses: { 200: 'text/javascript', 404: 'the docs page has no such file' },
    }),
    (req, res) => send(req.params.file, res),
  );
  return r;
}
