// Starts Swagger UI on this server's own document. A file, not an inline script, so the pages' Content-Security-Policy
// (script-src 'self') holds; no validator badge (it would send the document to validator.swagger.io).
window.addEventListener('load', () => {
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
