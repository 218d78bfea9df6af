/**
 * Static files: the chat page from `static/`, the API reference page (Swagger UI from
 * node_modules, no CDN). File names are matched against a strict pattern, never joined
 * from user input into a path.
 * @module
 */
import { createRequire } from "node:module";
import { NotFoundError } from "../errors.ts";
import type { App } from "./deps.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
  ico: "image/x-icon",
};

const SAFE_NAME = /^[a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*\.(html|css|js|mjs|svg|png|ico)$/;

async function fileResponse(path: string, cache: string): Promise<Response> {
  let data: Uint8Array;
  try {
    data = await Deno.readFile(path);
  } catch {
    throw new NotFoundError("Not found");
  }
  const ext = path.split(".").pop()!;
  return new Response(data as BodyInit, {
    headers: { "content-type": TYPES[ext] ?? "application/octet-stream", "cache-control": cache },
  });
}

function staticDir(): string {
  return new URL("../static/", import.meta.url).pathname;
}

function swaggerDir(): string {
  const require = createRequire(import.meta.url);
  return require.resolve("swagger-ui-dist/package.json").replace(/package\.json$/, "");
}

/** Registers `/`, `/static/*`, `/docs` and its assets. */
export function assetRoutes(app: App): void {
  app.get("/", () => fileResponse(staticDir() + "index.html", "no-cache"));
  app.get("/static/:name", (c) => {
    const name = c.req.param("name");
    if (!SAFE_NAME.test(name)) throw new NotFoundError("Not found");
    return fileResponse(staticDir() + name, "no-cache");
  });
  app.get("/docs", () => fileResponse(staticDir() + "docs.html", "no-cache"));
  const allowed = new Set(["swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"]);
  app.get("/docs/assets/:name", (c) => {
    const name = c.req.param("name");
    if (!allowed.has(name)) throw new NotFoundError("Not found");
    return fileResponse(swaggerDir() + name, "public, max-age=86400");
  });
}
