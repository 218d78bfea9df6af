/**
 * First-run friction (issue 25, point 11): a KV path outside the start task's folder stops the
 * server with one line saying what to change (no stack trace).
 * @module
 */
import assert from "node:assert/strict";
import { startTaskArgs } from "../helpers/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("startup: FINOPS_KV_PATH outside ./.data exits 1 with one line, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: startTaskArgs(),
      cwd: ROOT,
      env: { FINOPS_KV_PATH: `${dir}/finops.kv`, PORT: "18931", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 1, text);
    assert.match(text, new RegExp(`Cannot open the database at ${dir}/finops\\.kv: .* may write only \\./\\.data`));
    assert.match(text, new RegExp(`--allow-write=${dir}`));
    assert.doesNotMatch(text, /^\s+at /m, "no stack trace");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
