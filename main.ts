/**
 * FinOps Agent: reads the configuration, opens KV, starts the engine, serves the app.
 *
 * Run with `deno task start` (see README for the permission set).
 * @module
 */
import { startApp } from "./bootstrap.ts";
import { loadConfig } from "./config.ts";

const config = loadConfig();
const t0 = performance.now();
const running = await startApp(config);
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

const ac = new AbortController();
const server = Deno.serve({
  port: config.port,
  hostname: config.host,
  signal: ac.signal,
  onListen: ({ hostname, port }) => {
    deps.log.log("info", "listening", {
      url: `http://${hostname}:${port}/`,
      startup_ms: Math.round(performance.now() - t0),
      engine_ms: Math.round(deps.engine.startup.ms),
      duckdb: deps.engine.startup.version,
      sample_dataset: deps.sampleDatasetId,
    });
  },
}, running.app.fetch);

async function shutdown(signal: string) {
  deps.log.log("info", "shutting down", { signal });
  if (sweeper !== undefined) clearInterval(sweeper);
  ac.abort();
  await server.finished;
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
