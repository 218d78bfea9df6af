import assert from "node:assert/strict";
import { NotFoundError } from "../../errors.ts";
import { gunzip, gzip, readChunks, splitChunks, writeChunks } from "../../memory/blobs.ts";
import {
  commitDataset,
  DatasetWriter,
  deleteDataset,
  getDatasetMeta,
  readDatasetBytes,
  sweepPendingDatasets,
} from "../../memory/datasets.ts";
import { keys } from "../../memory/keys.ts";
import { appendMessages, fitMessage, listMessages } from "../../memory/messages.ts";
import { SessionStore } from "../../memory/sessions.ts";
import { fakeMeta } from "../helpers/meta.ts";
import { kvKeys } from "../helpers/app.ts";

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

Deno.test("sessions: create gives unguessable ids; get, list, count, delete", () =>
  withKv(async (kv) => {
    const store = new SessionStore(kv, { maxAgeDays: 7 });
    const a = await store.create("local", null);
    const b = await store.create("other", "ds1");
    assert.match(a.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(a.id, b.id);
    assert.equal((await store.get(a.id)).value.owner, "local");
    await assert.rejects(() => store.get(a.id, "other"), NotFoundError);
    assert.equal((await store.list()).length, 2);
    assert.deepEqual((await store.list("other")).map((s) => s.id), [b.id]);
    await appendMessages(kv, a.id, [{ role: "user", content: "hi", timestamp: "t", metadata: {} }]);
    await store.delete(a);
    await assert.rejects(() => store.get(a.id), NotFoundError);
    assert.equal((await listMessages(kv, a.id)).length, 0);
    assert.equal(await store.count(), 1);
  }));

Deno.test("sessions: idle past the maximum age are expired", () =>
  withKv(async (kv) => {
    let now = new Date("2025-01-01T00:00:00Z");
    const store = new SessionStore(kv, { maxAgeDays: 7, now: () => now });
    const s = await store.create("local");
    now = new Date("2025-01-07T23:00:00Z");
    assert.equal((await store.get(s.id)).value.id, s.id);
    now = new Date("2025-01-08T01:00:00Z");
    await assert.rejects(() => store.get(s.id), NotFoundError);
    assert.equal((await store.list()).length, 0);
  }));

Deno.test("messages: appended in order, counted on the session, with entity memory in the same commit", () =>
  withKv(async (kv) => {
    const store = new SessionStore(kv, { maxAgeDays: 7 });
    const s = await store.create("local");
    const m = (content: string, role: "user" | "assistant" = "user") => ({
      role,
      content,
      timestamp: "t",
      metadata: {},
    });
    // Concurrent turns: every message keeps its place, none is lost.
    await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) => appendMessages(kv, s.id, [m(`q${i}`), m(`a${i}`, "assistant")], { entities: { lastPlan: null } }),
      ),
    );
    const all = await listMessages(kv, s.id);
    assert.equal(all.length, 20);
    for (let i = 0; i < 20; i += 2) {
      assert.equal(all[i].role, "user");
      assert.equal(all[i + 1].content, "a" + all[i].content.slice(1));
    }
    assert.equal((await store.get(s.id)).value.messageCount, 20);
    assert.deepEqual((await kv.get(keys.entities(s.id))).value, { lastPlan: null });
    assert.deepEqual((await listMessages(kv, s.id, 2)).map((x) => x.role), ["user", "assistant"]);
  }));

Deno.test("fitMessage trims bulky results to fit one KV value", () => {
  const rows = Array.from({ length: 5000 }, (_, i) => [`service-${i}`, i * 1.5]);
  const out = fitMessage({
    role: "assistant",
    content: "x",
    timestamp: "t",
    metadata: { result: { columns: [], rows } },
  });
  assert.ok(new TextEncoder().encode(JSON.stringify(out)).byteLength <= 60_000);
  assert.equal(out.metadata.result.rows.length, 50);
  assert.equal(out.metadata.result.truncated, true);
});

Deno.test("blobs: split, gzip round trip, chunked write/read", () =>
  withKv(async (kv) => {
    assert.deepEqual(splitChunks(new Uint8Array(10), 4).map((c) => c.length), [4, 4, 2]);
    const data = new TextEncoder().encode("x".repeat(300_000) + crypto.randomUUID());
    assert.deepEqual(await gunzip(await gzip(data)), data);
    const random = new Uint8Array(200_000);
    for (let i = 0; i < random.length; i += 65_536) crypto.getRandomValues(random.subarray(i, i + 65_536));
    const n = await writeChunks(kv, random, (i) => ["blob", "a", i]);
    assert.equal(n, 4);
    assert.deepEqual(await readChunks(kv, ["blob", "a"], n), random);
    await assert.rejects(() => readChunks(kv, ["blob", "a"], n + 1), /incomplete/);
  }));

/** Stores bytes as a dataset's chunks through the streaming writer, in uneven pieces. */
async function storeBytes(kv: Deno.Kv, id: string, bytes: Uint8Array): Promise<number> {
  const store = await DatasetWriter.open(kv, id);
  for (let at = 0; at < bytes.byteLength; at += 77_777) await store.write(bytes.slice(at, at + 77_777));
  return await store.close();
}

Deno.test("datasets: invisible until committed; commit attaches to the session; delete removes all", () =>
  withKv(async (kv) => {
    const store = new SessionStore(kv, { maxAgeDays: 7 });
    const s = await store.create("local");
    const meta = fakeMeta({ id: crypto.randomUUID() });
    const csv = new TextEncoder().encode("date,cost\n" + "2025-01-01,1\n".repeat(50_000));
    meta.chunks = await storeBytes(kv, meta.id, csv);
    await assert.rejects(() => getDatasetMeta(kv, meta.id), NotFoundError);
    const prev = await commitDataset(kv, meta, s.id);
    assert.equal(prev, null);
    assert.equal((await store.get(s.id)).value.datasetId, meta.id);
    assert.deepEqual(await readDatasetBytes(kv, await getDatasetMeta(kv, meta.id)), csv);
    assert.equal((await kv.get(keys.datasetPending(meta.id))).value, null);
    await deleteDataset(kv, meta.id);
    assert.deepEqual((await kvKeys(kv)).filter((k) => k.includes(meta.id)), []);
  }));

Deno.test("datasets: an upload that never committed is swept, a fresh one is kept", () =>
  withKv(async (kv) => {
    const old = crypto.randomUUID();
    const fresh = crypto.randomUUID();
    await storeBytes(kv, old, new Uint8Array(100_000));
    await storeBytes(kv, fresh, new Uint8Array(10));
    const later = Date.now() + 2 * 3600_000;
    await kv.set(keys.datasetPending(fresh), { createdAt: new Date(later - 60_000).toISOString() });
    assert.equal(await sweepPendingDatasets(kv, 3600_000, later), 1);
    const left = await kvKeys(kv);
    assert.equal(left.filter((k) => k.includes(old)).length, 0);
    assert.ok(left.some((k) => k.includes(fresh)));
  }));
