import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import {
  API_DOCS_CSP,
  API_DOCS_OWN_FILES,
  API_DOCS_SWAGGER_FILES,
  apiDoc,
  apiDocsPageDir,
  NotFoundError,
} from '@storefleet/shared';

/** Where the installed `swagger-ui-dist` keeps its files (the package's own answer, not a guessed path). */
export function swaggerUiDir(): string {
  const swagger = createRequire(import.meta.url)('swagger-ui-dist') as { getAbsoluteFSPath(): string };
  return swagger.getAbsoluteFSPath();
}

/**
 * `GET /openapi.json` and the docs page at `/api-docs/` (issue #26), both public: the document describes routes and
 * holds no data, and every route it lists still asks for its own credentials. `document` builds the document on the
 * first ask (every router is mounted by then) and the answer is kept: routes do not change while the hub runs.
 */
export function openApiRoutes(document: () => object): Router {
  const r = express.Router();
  let built: string | undefined;
  r.get(
    '/openapi.json',
    apiDoc({
      summary: 'The OpenAPI 3.1 document of this API',
      description: 'Built from the routes themselves: every route and the schemas its handler validates with.',
      tags: ['docs'],
      access: ['public'],
      responses: { 200: 'application/json' },
    }),
    (_req, res) => {
      built ??= JSON.stringify(document());
      res.type('application/json').set('Cache-Control', 'no-cache').send(built);
    },
  );
  const swaggerDir = swaggerUiDir();
  const ownDir = fileURLToPath(apiDocsPageDir);
  const send = (file: string, res: express.Response) => {
    const own = API_DOCS_OWN_FILES[file];
    const swagger = API_DOCS_SWAGGER_FILES[file];
    if (!own && !swagger) throw new NotFoundError('docs page file', file);
    res.set('Content-Security-Policy', API_DOCS_CSP).set('X-Content-Type-Options', 'nosniff');
    res.type((own ?? swagger)!).sendFile(join(own ? ownDir : swaggerDir, file), { maxAge: own ? 0 : '1h' });
  };
  r.get(
    '/api-docs',
    apiDoc({
      summary: 'The API docs page (Swagger UI on /openapi.json)',
      tags: ['docs'],
      access: ['public'],
      responses: { 200: 'text/html' },
    }),
    (_req, res) => send('index.html', res),
  );
  r.get(
    '/api-docs/:file',
    apiDoc({
      summary: 'A file of the API docs page (its script, style sheet and icon)',
      tags: ['docs'],
      access: ['public'],
      responses: { 200: 'text/javascript', 404: 'the docs page has no such file' },
    }),
    (req, res) => send(req.params.file, res),
  );
  return r;
}
