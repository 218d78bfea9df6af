/**
 * Static files: the chat page from `static/`, the API reference page (Swagger UI from
 * node_modules, no CDN). File names are matched against a strict pattern, never joined
 * from user input into a path.
 * @module
 */
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
  ttf: "font/ttf",
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

/**
 * The folder of an npm package: Deno links every package of deno.json's imports at the top of
 * node_modules (`nodeModulesDir: auto`), inside the folder the start task may read.
 */
function packageDir(name: string): string {
  return new URL(`../node_modules/${name}/`, import.meta.url).pathname;
}

/**
 * Browser builds the chat page loads, from node_modules (no CDN). The expression interpreter
 * lets Vega run under a CSP without `unsafe-eval`; its one import is pointed at a shim that
 * reads the functions from the Vega build already on the page.
 */
const VENDOR: Record<string, { pkg: string; file: string; rewrite?: [RegExp, string] }> = {
  "vega.min.js": { pkg: "vega", file: "build/vega.min.js" },
  "vega-lite.min.js": { pkg: "vega-lite", file: "build/vega-lite.min.js" },
  "vega-embed.min.js": { pkg: "vega-embed", file: "build/vega-embed.min.js" },
  // The charts' font (as in the PNGs), so interactive charts look the same.
  "inter-400.ttf": { pkg: "@expo-google-fonts/inter", file: "400Regular/Inter_400Regular.ttf" },
  "inter-600.ttf": { pkg: "@expo-google-fonts/inter", file: "600SemiBold/Inter_600SemiBold.ttf" },
  "vega-interpreter.js": {
    pkg: "vega-interpreter",
    file: "build/vega-interpreter.js",
    rewrite: [/from ['"]vega-util['"]/g, `from "/static/vega-util-shim.js"`],
  },
};

/** Registers `/`, `/static/*`, `/vendor/*` (chart libraries), `/docs` and its assets. */
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
    return fileResponse(packageDir("swagger-ui-dist") + name, "public, max-age=86400");
  });
  app.get("/vendor/:name", async (c) => {
    const name = c.req.param("name");
    if (!Object.hasOwn(VENDOR, name)) throw new NotFoundError("Not found");
    const v = VENDOR[name];
    const res = await fileResponse(packageDir(v.pkg) + v.file, "public, max-age=86400");
    if (!v.rewrite) return res;
    return new Response((await res.text()).replace(v.rewrite[0], v.rewrite[1]), { headers: res.headers });
  });
}
