/**
 * Who is asking, and how often. Three access modes (README, Access): `local` (the session id is
 * the capability), `keys` (bearer keys, each a client owning its sessions) and `public` (an
 * anonymous owner per browser, in an HttpOnly cookie). Rate limits count per client and per IP
 * in KV, so they hold across processes sharing the store.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Config } from "../config.ts";
import { AuthError, HostError } from "../errors.ts";
import { hexOf } from "../analytics/bytes.ts";
import { checkRateLimits } from "../memory/rate_limit.ts";
import type { AppDeps, AppEnv } from "./deps.ts";

/** The access mode a configuration selects. */
export function accessMode(config: Config): "local" | "keys" | "public" {
  return config.apiKeys.length ? "keys" : config.publicMode ? "public" : "local";
}

/** Paths anyone may read in every mode: the page, its assets, the API description, health. */
const OPEN = /^\/($|static\/|vendor\/|docs($|\/)|openapi\.json$|health$)/;

/** Name of the public-mode owner cookie. */
export const OWNER_COOKIE = "finops_owner";

async function sha256Hex(text: string): Promise<string> {
  return hexOf(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** Names that always mean this machine. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** The host of a `Host` header, lower case, without its port (`[::1]:8000` → `[::1]`). */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  return h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.replace(/:\d+$/, "");
}

/**
 * Refuses requests for hosts this server does not serve (421). In local mode only loopback names
 * and the configured `HOST` are served unless `ALLOWED_HOSTS` says otherwise, so a page on
 * another site that rebinds its DNS name to 127.0.0.1 cannot read sessions from a browser on this
 * machine. In keys and public modes (and on Deno Deploy) `ALLOWED_HOSTS`, when set, is the list.
 */
export function hostGuard(config: Config): MiddlewareHandler<AppEnv> {
  const mode = accessMode(config);
  const allowed = new Set(config.allowedHosts.map(hostName));
  // On Deno Deploy the platform serves only its own host names; DNS rebinding aims at a browser's
  // own machine, which a deployment is not.
  const local = mode === "local" && !allowed.size && !config.onDeploy;
  // HOST=0.0.0.0 (Docker, Deploy) is an interface, not a name: only ALLOWED_HOSTS can widen it.
  if (local && !["0.0.0.0", "::"].includes(config.host)) allowed.add(hostName(config.host));
  const enforce = allowed.size > 0 || local;
  return async (c, next) => {
    if (enforce) {
      const host = hostName(c.req.header("host") ?? new URL(c.req.url).host);
      if (!(allowed.has(host) || (local && LOOPBACK.has(host)))) {
        throw new HostError(
          "This server does not serve that host name. Set ALLOWED_HOSTS to the names clients use to reach it.",
        );
      }
    }
    await next();
  };
}

/** Sets `owner` for every request, or refuses it (401) in API-key mode. */
export function ownerMiddleware(config: Config): MiddlewareHandler<AppEnv> {
  const mode = accessMode(config);
  // Keys are compared by digest: the raw keys are never kept in a lookup or written anywhere.
  const digests = Promise.all(config.apiKeys.map(sha256Hex));
  return async (c, next) => {
    if (mode === "local") c.set("owner", "local");
    else if (mode === "keys") {
      const auth = c.req.header("authorization") ?? "";
      const m = auth.match(/^Bearer\s+(\S{1,512})$/i);
      const digest = m ? await sha256Hex(m[1]) : null;
      if (digest && (await digests).includes(digest)) c.set("owner", `key:${digest.slice(0, 16)}`);
      else if ((OPEN.test(c.req.path) || c.req.path === "/metrics") && c.req.method === "GET") {
        c.set("owner", "anonymous"); // /metrics checks its own credentials
      } else throw new AuthError(m ? "Invalid API key." : "Missing API key: send Authorization: Bearer <key>.");
    } else {
      let id = getCookie(c, OWNER_COOKIE);
      if (!id || !/^[0-9a-f]{32}$/.test(id)) {
        id = hexOf(crypto.getRandomValues(new Uint8Array(16)));
        const secure = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
        setCookie(c, OWNER_COOKIE, id, {
          path: "/",
          httpOnly: true,
          sameSite: "Strict",
          secure,
          maxAge: 60 * 60 * 24 * 365,
        });
      }
      c.set("owner", `anon:${id}`);
    }
    await next();
  };
}

/** The caller's address as the listener saw it (proxies' headers are not trusted). */
export function clientIp(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "unknown";
}

/** What is limited, and the per-client limit from the configuration (an IP gets five times it). */
const KINDS = {
  query: { what: "questions", max: (c: Config) => c.rateQueriesPerMin },
  upload: { what: "uploads", max: (c: Config) => c.rateUploadsPerMin },
  session: { what: "new sessions", max: (c: Config) => c.rateSessionsPerMin },
} as const;

/** Counts one request of a kind for the caller and its IP; throws 429 over the limit. */
export async function rateLimit(deps: AppDeps, c: Context<AppEnv>, kind: keyof typeof KINDS): Promise<void> {
  const k = KINDS[kind];
  const max = k.max(deps.config);
  const ip = clientIp(c);
  const owner = c.get("owner");
  // In local mode everyone is "local": the address is the client.
  const client = owner === "local" ? `ip:${ip}` : owner;
  await checkRateLimits(deps.kv, [
    { key: `${kind}:client:${client}`, max, what: k.what },
    { key: `${kind}:ip:${ip}`, max: max * 5, what: `${k.what} from this address` },
  ]);
}

/**
 * Whether a request may read `/metrics`: with `METRICS_TOKEN` set, that token (or, in keys mode,
 * an API key); in keys mode without it, an API key; otherwise anyone (local and public modes).
 */
export async function mayReadMetrics(config: Config, c: Context<AppEnv>): Promise<boolean> {
  const owner = c.get("owner");
  if (accessMode(config) === "keys" && owner.startsWith("key:")) return true;
  if (!config.metricsToken) return accessMode(config) !== "keys";
  const m = (c.req.header("authorization") ?? "").match(/^Bearer\s+(\S{1,512})$/i);
  if (!m) return false;
  // Compared by digest, so the comparison takes the same time whatever the guess; the token's
  // own digest is computed once.
  tokenDigests.set(config.metricsToken, tokenDigests.get(config.metricsToken) ?? sha256Hex(config.metricsToken));
  return (await sha256Hex(m[1])) === (await tokenDigests.get(config.metricsToken));
}

const tokenDigests = new Map<string, Promise<string>>();
