// Swagger UI bootstrap, in a file of its own so the page needs no inline script.
globalThis.ui = globalThis.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
});
