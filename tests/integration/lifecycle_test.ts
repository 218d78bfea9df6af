/**
 * Session lifecycle: sessions idle past MAX_SESSION_AGE_DAYS disappear with their history,
 * charts, memory and private data; active ones and the shared sample stay; orphan chunks go;
 * `deno task cleanup` does the same by hand with its narrow permissions.
 */
import assert from "node:assert/strict";
import { keys } from "../../memory/keys.ts";
import { sweepOrphanChunks } from "../../memory/lifecycle.ts";
import { engineTest, fixture, jsonReq, kvKeys, newSession, testApp, uploadReq } from "../helpers/app.ts";
import { tempKvPath } from "../helpers/server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const AGE_DAYS = 1.5 / 86_400; // 1.5 seconds

Deno.test({
  name: "lifecycle: an idle session is swept with everything it owns; an active one and the sample stay",
  ...engineTest,
  async fn() {
    const running = await testApp({ maxSessionAgeDays: AGE_DAYS });
    const { app, deps } = running;
    try {
      const idle = await newSession(app);
      const up = await app.request(
        `/session/${idle}/upload-csv`,
        uploadReq(await Deno.readFile(fixture("focus_sample.csv"))),
      );
      assert.equal(up.status, 200);
      const datasetId = (await up.json()).dataset.id;
      const chart = (await (await app.request(
        `/session/${idle}/query`,
        jsonReq("POST", { query: "top 5 services as a bar chart" }),
      )).json())
        .chart_url;
      assert.ok(chart);
      const active = await newSession(app);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(
        (await app.request(`/session/${active}/query`, jsonReq("POST", { query: "total cost" }))).status,
        200,
      );
      await new Promise((r) => setTimeout(r, 700));

      const report = await running.sweep();
      assert.equal(report.sessions, 1);
      assert.equal(report.datasets, 1);
      assert.equal((await app.request(`/session/${idle}/history`)).status, 404);
      assert.equal((await app.request(chart)).status, 404);
      const left = (await kvKeys(deps.kv)).filter((k) => k.includes(idle) || k.includes(datasetId));
      assert.deepEqual(left, [], "no key of the idle session or its dataset remains");
      assert.equal(deps.engine.isLoaded(datasetId), false, "unloaded from the engine too");
      const h = await (await app.request(`/session/${active}/history`)).json();
      assert.equal(h.total_messages, 2);
      assert.ok((await deps.kv.get(keys.sampleDataset())).value, "the shared sample stays");
    } finally {
      await running.close();
    }
  },
});

Deno.test("lifecycle: chunks without a record or a pending upload are removed; pending ones stay", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(keys.datasetChunk("orphan", 0), new Uint8Array([1]));
    await kv.set(keys.datasetChunk("orphan", 1), new Uint8Array([2]));
    await kv.set(keys.datasetChunk("inflight", 0), new Uint8Array([3]));
    await kv.set(keys.datasetPending("inflight"), { createdAt: new Date().toISOString() });
    await kv.set(keys.datasetChunk("kept", 0), new Uint8Array([4]));
    await kv.set(keys.dataset("kept"), { id: "kept" });
    assert.equal(await sweepOrphanChunks(kv), 1);
    const left: string[] = [];
    for await (const e of kv.list({ prefix: ["dataset_chunk"] })) left.push(String(e.key[1]));
    assert.deepEqual(left.sort(), ["inflight", "kept"]);
  } finally {
    kv.close();
  }
});

Deno.test({
  name: "lifecycle: `deno task cleanup` sweeps a store by hand with only its own permissions",
  ...engineTest,
  async fn() {
    const kv = tempKvPath();
    const running = await testApp({ kvPath: ROOT + kv.path.slice(2) });
    const id = await newSession(running.app);
    await running.app.request(`/session/${id}/query`, jsonReq("POST", { query: "total cost" }));
    await running.close();
    try {
      const run = (maxAge: string) =>
        new Deno.Command(Deno.execPath(), {
          args: ["task", "cleanup", `--max-age-days=${maxAge}`],
          cwd: ROOT,
          env: { FINOPS_KV_PATH: kv.path, NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
      const keep = await run("7");
      assert.equal(keep.code, 0, new TextDecoder().decode(keep.stderr));
      assert.equal(JSON.parse(new TextDecoder().decode(keep.stdout).trim().split("\n").at(-1)!).sessions, 0);
      const sweep = await run("0");
      const report = JSON.parse(new TextDecoder().decode(sweep.stdout).trim().split("\n").at(-1)!);
      assert.equal(report.sessions, 1);
      const store = await Deno.openKv(ROOT + kv.path.slice(2));
      try {
        assert.equal((await store.get(keys.session(id))).value, null);
        for await (const e of store.list({ prefix: keys.messagesPrefix(id) })) assert.fail(`message left: ${e.key}`);
      } finally {
        store.close();
      }
    } finally {
      kv.cleanup();
    }
  },
});
