/**
 * Deno Deploy readiness, as far as this machine can show it: the server runs with no write
 * permission at all, reads only its own folders, gets no variable but the ones the platform sets
 * (DENO_DEPLOYMENT_ID, PORT), and keeps everything in the runtime's default KV database.
 */
import assert from "node:assert/strict";
import { fixture } from "../helpers/app.ts";
import { startServer, startTaskArgs } from "../helpers/server.ts";

Deno.test("system: Deploy-like run — no writable file system, no configuration, the runtime's KV", async () => {
  const args = startTaskArgs()
    .filter((a) => !a.startsWith("--allow-write"))
    .map((a) => a.startsWith("--allow-read=") ? a.split(",").filter((p) => p !== "./.data").join(",") : a);
  assert.ok(!args.some((a) => a.includes(".data")), args.join(" "));
  // The default KV database lives in DENO_DIR on a developer machine (managed storage on Deploy):
  // a throwaway DENO_DIR keeps it out of the user's cache. node_modules already holds the packages.
  const denoDir = await Deno.makeTempDir();
  const server = await startServer({ DENO_DEPLOYMENT_ID: "local-deploy-test", DENO_DIR: denoDir }, args);
  try {
    assert.match(server.output(), /"kv":"default \(runtime database\)"/);
    const created = await fetch(`${server.url}/session/create`, { method: "POST" });
    assert.equal(created.status, 200);
    const id = (await created.json()).session_id;

    const fd = new FormData();
    fd.append("file", new File([Deno.readFileSync(fixture("focus_sample.csv"))], "focus.csv", { type: "text/csv" }));
    const up = await fetch(`${server.url}/session/${id}/upload-csv`, { method: "POST", body: fd });
    assert.equal(up.status, 200, await up.clone().text());
    await up.body?.cancel();

    const q = await fetch(`${server.url}/session/${id}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "chart cost by service" }),
    });
    const body = await q.json();
    assert.equal(q.status, 200, JSON.stringify(body));
    assert.ok(body.chart_url, "a chart was rendered and stored in KV");
    const png = await fetch(`${server.url}${body.chart_url}`);
    assert.equal(png.headers.get("content-type"), "image/png");
    assert.ok((await png.arrayBuffer()).byteLength > 1000);

    const health = await (await fetch(`${server.url}/health`)).json();
    assert.equal(health.engine.ready, true);
    assert.doesNotMatch(server.output(), /NotCapable|PermissionDenied|"level":"error"/);
  } finally {
    await server.stop("SIGTERM");
    await Deno.remove(denoDir, { recursive: true });
  }
});
