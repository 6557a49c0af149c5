/**
 * The docs page both servers serve at `/api-docs/` (issue #26): Swagger UI from the `swagger-ui-dist` package the
 * server has installed (no CDN) with our own page and initializer, which read the server's `/openapi.json` and nothing
 * else. Each server resolves `swagger-ui-dist` itself (this package has no file access) and answers only the files
 * named here, so nothing else in either folder is reachable.
 */
export const apiDocsPageDir = new URL('../../api-docs/', import.meta.url);

/** Our own files: the page and the script that starts Swagger UI on `/openapi.json`. */
export const API_DOCS_OWN_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'api-docs-init.js': 'text/javascript; charset=utf-8',
};

/** The files of `swagger-ui-dist` the page loads. */
export const API_DOCS_SWAGGER_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * The page's Content-Security-Policy: only this server's own files, and inline style attributes, which Swagger UI's
 * rendering sets (its scripts stay `'self'` only).
 */
export const API_DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
