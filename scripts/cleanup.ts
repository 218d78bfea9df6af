/**
 * `deno task cleanup`: the hourly sweep, by hand. Deletes sessions idle longer than
 * `MAX_SESSION_AGE_DAYS` (with their history, charts, memory and private dataset), uploads that
 * never committed, and orphan chunks, in the KV store at `FINOPS_KV_PATH`. Needs no engine.
 * Options: `--max-age-days=N` overrides the variable.
 * @module
 */
import { loadConfig } from "../config.ts";
import { sweepExpired } from "../memory/lifecycle.ts";
import { SessionStore } from "../memory/sessions.ts";
import { describeStore, openStore } from "../memory/store.ts";

const arg = Deno.args.find((a) => a.startsWith("--max-age-days="));
// Only the two variables it needs are readable (see the task's --allow-env).
const config = loadConfig((
  k,
) => (k === "FINOPS_KV_PATH" || k === "MAX_SESSION_AGE_DAYS" ? Deno.env.get(k) : undefined));
const maxAgeDays = arg ? Number(arg.split("=")[1]) : config.maxSessionAgeDays;
if (!(maxAgeDays >= 0)) throw new Error(`--max-age-days must be a number ≥ 0, got '${arg}'`);
const kv = await openStore(config.kvPath);
try {
  const report = await sweepExpired(kv, new SessionStore(kv, { maxAgeDays }));
  console.log(JSON.stringify({ kv: describeStore(config.kvPath), max_age_days: maxAgeDays, ...report }));
} finally {
  kv.close();
}
