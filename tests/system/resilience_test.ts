/**
 * Crash safety and concurrency against the real server (start-task permissions, its own KV
 * file): SIGKILL during an upload and during a question leaves no half dataset, no lost or
 * half-written history and no visible orphan chunks; 50 sessions created, uploaded to and
 * questioned in parallel all succeed with consistent histories.
 */
import assert from "node:assert/strict";
import { focusCsv } from "../../bench/gen.ts";
import { keys } from "../../memory/keys.ts";
import { sweepPendingDatasets } from "../../memory/datasets.ts";
import { fixture } from "../helpers/app.ts";
import { NO_RATE_LIMITS, startServer, tempKvPath } from "../helpers/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

/** Every visible dataset has all its chunks; returns the ids of visible datasets. */
async function assertDatasetsWhole(kv: Deno.Kv): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list<{ id: string; chunks: number }>({ prefix: ["dataset"] })) {
    ids.push(e.value.id);
    for (let n = 0; n < e.value.chunks; n++) {
      assert.ok((await kv.get(keys.datasetChunk(e.value.id, n))).value, `dataset ${e.value.id} chunk ${n} missing`);
    }
  }
  return ids;
}

Deno.test({
  name: "system: SIGKILL during uploads and questions loses nothing committed and leaves nothing half-visible",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const kv = tempKvPath();
    const env = { FINOPS_KV_PATH: kv.path, MAX_UPLOAD_MB: "200" };
    let server = await startServer(env);
    const big = new TextEncoder().encode(focusCsv(250_000));
    try {
      const id = (await (await fetch(`${server.url}/session/create`, { method: "POST" })).json()).session_id;
      const q = await fetch(`${server.url}/session/${id}/query`, post({ query: "total cost" }));
      assert.equal(q.status, 200);
      const total = (await q.json()).result.rows[0][0];

      let turns = 1;
      for (const delay of [150, 1500, 3000, 3800]) {
        // An upload cut by a kill at some point of its journey (receiving, loading, storing).
        const fd = new FormData();
        fd.append("file", new File([big], "big.csv", { type: "text/csv" }));
        const upload = fetch(`${server.url}/session/${id}/upload-csv`, { method: "POST", body: fd })
          .then((r) => r.status).catch(() => "cut");
        // And a question in flight at the same time.
        const question = fetch(`${server.url}/session/${id}/query`, post({ query: "cost per month" }))
          .then((r) => r.status).catch(() => "cut");
        await new Promise((r) => setTimeout(r, delay));
        await server.stop("SIGKILL");
        const [u, qs] = await Promise.all([upload, question]);
        if (qs === 200) turns++;

        server = await startServer(env);
        const h = await (await fetch(`${server.url}/session/${id}/history`)).json();
        assert.equal(h.total_messages % 2, 0, "never a question without its answer");
        assert.ok(h.total_messages >= turns * 2, `history kept (${h.total_messages} messages, ${turns} turns)`);
        turns = h.total_messages / 2;
        const ds = await (await fetch(`${server.url}/session/${id}/dataset`)).json();
        console.log(`killed after ${delay} ms: upload ${u}, question ${qs}, dataset now ${ds.name}`);
        if (u !== 200) {
          // The upload may have committed just before the kill; if not, the old data is intact.
          if (ds.name !== "big.csv") {
            const again = await (await fetch(`${server.url}/session/${id}/query`, post({ query: "total cost" })))
              .json();
            assert.equal(again.result.rows[0][0], total, "the previous dataset still answers");
            turns++;
          }
        } else assert.equal(ds.name, "big.csv");
      }
      // A question alone, cut while the engine works on it.
      for (const delay of [20, 120]) {
        const question = fetch(`${server.url}/session/${id}/query`, post({ query: "forecast next quarter" }))
          .then((r) => r.status).catch(() => "cut");
        await new Promise((r) => setTimeout(r, delay));
        await server.stop("SIGKILL");
        const qs = await question;
        server = await startServer(env);
        const h = await (await fetch(`${server.url}/session/${id}/history`)).json();
        console.log(`killed a question after ${delay} ms: ${qs}, history ${h.total_messages} messages`);
        assert.equal(h.total_messages % 2, 0);
        assert.ok(h.total_messages >= turns * 2);
        turns = h.total_messages / 2;
      }
    } finally {
      await server.stop("SIGKILL").catch(() => {});
    }
    // With the server down: visible datasets are whole; the sweeper removes what never committed.
    const store = await Deno.openKv(ROOT + kv.path.slice(2));
    try {
      const visible = await assertDatasetsWhole(store);
      let pending = 0;
      for await (const _ of store.list({ prefix: ["dataset_pending"] })) pending++;
      console.log(`after the kills: ${visible.length} visible datasets, ${pending} uploads cut while storing`);
      await sweepPendingDatasets(store, 0);
      for await (const e of store.list({ prefix: ["dataset_chunk"] })) {
        assert.ok(visible.includes(String(e.key[1])), `orphan chunk of ${String(e.key[1])} left after the sweep`);
      }
      for await (const e of store.list({ prefix: ["dataset_pending"] })) {
        assert.fail(`pending marker ${String(e.key[1])}`);
      }
    } finally {
      store.close();
      kv.cleanup();
    }
  },
});

Deno.test({
  name: "system: 50 sessions in parallel create, upload and ask with zero errors and consistent histories",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const kv = tempKvPath();
    const server = await startServer({ FINOPS_KV_PATH: kv.path, ...NO_RATE_LIMITS });
    const csv = await Deno.readFile(fixture("focus_sample.csv"));
    const questions = ["total billed cost", "top 3 services", "what about Amazon S3?", "cost per month"];
    const latencies: number[] = [];
    try {
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const id = (await (await fetch(`${server.url}/session/create`, post({ use_sample: false }))).json()).session_id;
        const fd = new FormData();
        fd.append("file", new File([csv], `s${i}.csv`, { type: "text/csv" }));
        const up = await fetch(`${server.url}/session/${id}/upload-csv`, { method: "POST", body: fd });
        const upText = await up.text();
        assert.equal(up.status, 200, upText);
        const answers = [];
        for (const q of questions) {
          const s = performance.now();
          const r = await fetch(`${server.url}/session/${id}/query`, post({ query: q }));
          latencies.push(performance.now() - s);
          assert.equal(r.status, 200, q);
          answers.push(await r.json());
        }
        return { id, answers };
      }));
      const wall = performance.now() - t0;
      const firstTotal = results[0].answers[0].result.rows[0][0];
      for (const { id, answers } of results) {
        assert.equal(answers[0].result.rows[0][0], firstTotal, "the same file gives the same total in every session");
        assert.deepEqual(answers.map((a) => a.turn_number), [1, 2, 3, 4]);
        const h = await (await fetch(`${server.url}/session/${id}/history`)).json();
        assert.deepEqual(
          h.history.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content),
          questions,
        );
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `50 sessions × (create, upload 1,000 rows, 4 questions): ${Math.round(wall)} ms wall, question p50 ` +
          `${Math.round(latencies[100])} ms, p95 ${Math.round(latencies[190])} ms`,
      );
    } finally {
      await server.stop("SIGKILL").catch(() => {});
      kv.cleanup();
    }
  },
});
