/**
 * FinOps Agent: reads the configuration, opens KV, starts the engine, serves the app.
 *
 * Run with `deno task start` (see README for the permission set).
 * @module
 */
import { postDigests, runAlerts } from "./agents/alerts.ts";
import { startApp } from "./bootstrap.ts";
import { loadConfig } from "./config.ts";
import { describeStore, startupPermissionMessage } from "./memory/store.ts";

const config = loadConfig();
/** How long SIGTERM waits for requests in flight (systemd and Docker wait 90 s and 10 s by default). */
const SHUTDOWN_GRACE_MS = 8_000;
const t0 = performance.now();
const running = await startApp(config).catch((e) => {
  // A folder outside the start task's permissions (FINOPS_KV_PATH=/var/lib/…): one line that says
  // what to change, not a stack trace.
  if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
    console.error(startupPermissionMessage(config.kvPath, e));
    Deno.exit(1);
  }
  throw e;
});
const { deps } = running;
const sweepNow = () =>
  running.sweep().then((r) => {
    if (r.sessions || r.pending || r.orphans) deps.log.log("info", "swept", { ...r });
  }).catch((e) => deps.log.log("error", "sweep failed", { error: String(e) }));
await sweepNow();
// Expired sessions and abandoned uploads are swept hourly: by Deno.cron where the runtime has it
// (Deno Deploy runs it even when no isolate is up), else by a timer.
let sweeper: ReturnType<typeof setInterval> | undefined;
if (typeof Deno.cron === "function") Deno.cron("finops-sweep", "17 * * * *", sweepNow);
else sweeper = setInterval(sweepNow, 60 * 60 * 1000);
// Budget and anomaly alerts daily, the digest on Mondays, to the webhooks sessions set. Each is
// claimed in KV before it is posted, so instances running the same job never send one twice.
if (typeof Deno.cron === "function") {
  const job = (name: string, run: () => Promise<unknown>) => () =>
    run().then((r) => deps.log.log("info", name, { ...(r as object) }))
      .catch((e) => deps.log.log("error", `${name} failed`, { error: String(e) }));
  Deno.cron("finops-alerts", "5 7 * * *", job("alerts", () => runAlerts(deps)));
  Deno.cron("finops-digest", "15 7 * * 1", job("digest", () => postDigests(deps)));
}

const server = Deno.serve({
  port: config.port,
  hostname: config.host,
  onListen: ({ hostname, port }) => {
    deps.log.log("info", "listening", {
      url: `http://${hostname}:${port}/`,
      startup_ms: Math.round(performance.now() - t0),
      engine_ms: Math.round(deps.engine.startup.ms),
      duckdb: deps.engine.startup.version,
      sample_dataset: deps.sampleDatasetId,
      kv: describeStore(config.kvPath),
    });
  },
}, running.app.fetch);

async function shutdown(signal: string) {
  deps.log.log("info", "shutting down", { signal });
  if (sweeper !== undefined) clearInterval(sweeper);
  // New requests get a 503 while the uploads in flight finish (shutdown() would cut bodies still
  // streaming in); then shutdown() stops accepting and waits for the rest (an abort signal would
  // reset them). A stuck request gets a grace period, then KV and the engine close regardless.
  deps.drain.start();
  const grace = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), SHUTDOWN_GRACE_MS));
  if (await Promise.race([deps.drain.idle().then(() => server.shutdown()), grace]) === "timeout") {
    deps.log.log("warn", "shutdown grace period over, closing with requests in flight", { ms: SHUTDOWN_GRACE_MS });
  }
  await running.close();
  Deno.exit(0);
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  try {
    Deno.addSignalListener(sig, () => void shutdown(sig));
  } catch {
    // Signals are not available everywhere (e.g. Windows for SIGTERM, Deno Deploy).
  }
}
