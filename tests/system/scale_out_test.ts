/**
 * No state outside KV: two server processes on one KV store serve the same sessions. A session
 * created and loaded through one is questioned through the other, with the same answer, and
 * both see one history.
 */
import assert from "node:assert/strict";
import { fixture } from "../helpers/app.ts";
import { startServer, tempKvPath } from "../helpers/server.ts";

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test({
  name: "system: two processes on one KV store serve the same sessions",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const kv = tempKvPath();
    const a = await startServer({ FINOPS_KV_PATH: kv.path });
    const b = await startServer({ FINOPS_KV_PATH: kv.path });
    try {
      const id = (await (await fetch(`${a.url}/session/create`, post({ use_sample: false }))).json()).session_id;
      const fd = new FormData();
      fd.append(
        "file",
        new File([await Deno.readFile(fixture("focus_sample.csv"))], "focus.csv", { type: "text/csv" }),
      );
      const up = await fetch(`${a.url}/session/${id}/upload-csv`, { method: "POST", body: fd });
      assert.equal(up.status, 200);
      await up.arrayBuffer();
      const viaA = await (await fetch(`${a.url}/session/${id}/query`, post({ query: "top 3 services" }))).json();
      // B has never seen this dataset: it loads it from KV on demand.
      const viaB = await (await fetch(`${b.url}/session/${id}/query`, post({ query: "top 3 services" }))).json();
      assert.deepEqual(viaB.result.rows, viaA.result.rows);
      assert.equal(viaB.turn_number, 2);
      // A follow-up through B uses the memory A wrote, and A sees B's turn.
      const follow = await (await fetch(`${b.url}/session/${id}/query`, post({ query: "what about S3?" }))).json();
      assert.match(follow.sql, /Amazon Simple Storage Service|S3/);
      const hist = await (await fetch(`${a.url}/session/${id}/history`)).json();
      assert.deepEqual(
        hist.history.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content),
        ["top 3 services", "top 3 services", "what about S3?"],
      );
      // Deleted through one, gone for both.
      assert.equal((await fetch(`${b.url}/session/${id}`, { method: "DELETE" })).status, 200);
      const gone = await fetch(`${a.url}/session/${id}/history`);
      assert.equal(gone.status, 404);
      await gone.arrayBuffer();
    } finally {
      await a.stop("SIGKILL").catch(() => {});
      await b.stop("SIGKILL").catch(() => {});
      kv.cleanup();
    }
  },
});
