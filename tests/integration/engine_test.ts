import assert from "node:assert/strict";
import { Engine, tableNames } from "../../analytics/engine.ts";
import { ingestCsv } from "../../analytics/ingest.ts";
import { parseSniff, pinnedViewSql, sniffCsvSql } from "../../analytics/csv_sql.ts";
import { EngineError } from "../../errors.ts";
import { focusCsv } from "../../bench/gen.ts";
import { engineTest, loadTable, plainTableSql, sharedEngine } from "../helpers/app.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test({
  name: "engine: loads a CSV in the worker, returns JSON-safe values (BIGINT, DECIMAL, DATE)",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const id = crypto.randomUUID();
    const cols = await loadTable(engine, id, "d,n,x\n2024-01-01,1,1.5\n2024-01-02,2,NULL\n");
    assert.deepEqual(cols.rows.map((r) => [r[0], r[1]]), [["d", "VARCHAR"], ["n", "BIGINT"], ["x", "DOUBLE"]]);
    const { view } = tableNames(id);
    const rs = await engine.query(
      id,
      `SELECT SUM(n) AS s, SUM(CAST(x AS DECIMAL(18,2))) AS dec, CAST(MIN(d) AS DATE) AS day, COUNT(x) AS c FROM "${view}"`,
    );
    assert.deepEqual(rs.rows, [[3, 1.5, "2024-01-01", 1]]);
    assert.deepEqual(rs.columns.map((c) => c.type), ["number", "number", "date", "number"]);
    await engine.unload(id);
    assert.equal(engine.isLoaded(id), false);
  },
});

Deno.test({
  name: "engine: bad SQL is an input error (422), the worker keeps serving",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const id = crypto.randomUUID();
    await loadTable(engine, id, "a\n1\n");
    await assert.rejects(
      () => engine.query(id, "SELEC nonsense"),
      (e: unknown) => e instanceof EngineError && e.status === 422,
    );
    assert.deepEqual((await engine.query(id, "SELECT 1 AS one")).rows, [[1]]);
    await engine.unload(id);
  },
});

Deno.test({
  name: "engine sandbox: no files, no extensions, no configuration changes",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const id = crypto.randomUUID();
    await loadTable(engine, id, "a\n1\n");
    for (
      const sql of [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_csv('/upload/../etc/passwd')",
        "SELECT * FROM read_csv('/upload/other.csv')",
        "INSTALL httpfs",
        "LOAD json",
        "ATTACH ':memory:' AS x",
        "COPY (SELECT 1) TO '/upload/x.csv'",
        "PRAGMA version",
        "SELECT 1; SELECT 2",
        "SELECT 1 -- comment\n; DROP TABLE t",
        "SELECT 1) AS q; ATTACH ':memory:' AS y; SELECT (1",
        "CALL pragma_version()",
        "SET enable_external_access=true",
        "SET lock_configuration=false",
      ]
    ) {
      await assert.rejects(() => engine.query(id, sql), EngineError, sql);
    }
    await engine.unload(id);
  },
});

Deno.test({
  name: "engine: ensure() loads once for concurrent callers and evicts least recently used under the budget",
  ...engineTest,
  async fn() {
    const engine = await Engine.start({ workers: 1, memoryMb: 0.0001 }); // ~100 bytes: less than one file
    try {
      let fetches = 0;
      const csv = "a,b\n" + "1,2\n".repeat(30);
      const ds = (id: string) => ({ id, setupSql: plainTableSql(id) });
      const fetch = () => {
        fetches++;
        return Promise.resolve(enc(csv));
      };
      const a = crypto.randomUUID();
      const b = crypto.randomUUID();
      await Promise.all([engine.ensure(ds(a), fetch), engine.ensure(ds(a), fetch), engine.ensure(ds(a), fetch)]);
      assert.equal(fetches, 1);
      await engine.ensure(ds(b), fetch);
      assert.equal(engine.isLoaded(a), false, "a was evicted to make room for b");
      assert.equal(engine.isLoaded(b), true);
      await engine.ensure(ds(a), fetch);
      assert.equal(fetches, 3);
      assert.deepEqual((await engine.query(a, `SELECT COUNT(*) FROM "${tableNames(a).view}"`)).rows, [[30]]);
      // The file is detached once the table is built: only the table remains.
      await assert.rejects(() => engine.query(a, `SELECT COUNT(*) FROM "${tableNames(a).raw}"`), EngineError);
      // A setup that fails leaves the dataset unloaded, ready for another try.
      const c = crypto.randomUUID();
      await assert.rejects(() => engine.ensure({ ...ds(c), setupSql: ["SELECT nonsense FROM nowhere"] }, fetch));
      assert.equal(engine.isLoaded(c), false);
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name:
    "engine: the budget counts the tables as DuckDB measures them (compressed), not the CSV; a dataset being loaded is not evicted",
  ...engineTest,
  async fn() {
    // Two files of 3 MB each do not fit a 3.7 MB budget as text; their compressed tables
    // (≈ 0.5 MB each) do, but not next to a third file.
    const engine = await Engine.start({ workers: 1, memoryMb: 3.7 });
    try {
      const csv = enc(focusCsv(20_000));
      assert.ok(csv.byteLength > 2.5e6, String(csv.byteLength));
      const ds = (id: string) => ({ id, setupSql: plainTableSql(id) });
      const memory = async (id: string) =>
        Number((await engine.query(id, "SELECT SUM(memory_usage_bytes) FROM duckdb_memory()")).rows[0][0]);
      const a = crypto.randomUUID();
      const b = crypto.randomUUID();
      await engine.ensure(ds(a), () => Promise.resolve(csv.slice()));
      const aBytes = engine.tableBytes(a)!;
      // What the engine counts for the table is what DuckDB holds for it.
      assert.equal(aBytes, await memory(a));
      assert.ok(aBytes > 0 && aBytes < csv.byteLength / 3, `table ${aBytes} B from a ${csv.byteLength} B file`);
      await engine.ensure(ds(b), () => Promise.resolve(csv.slice()));
      assert.ok(engine.isLoaded(a) && engine.isLoaded(b), "both tables fit the budget");
      assert.equal(engine.loadedBytes, aBytes + engine.tableBytes(b)!);
      assert.equal(engine.loadedBytes, await memory(b));
      // A third file no longer fits next to both tables: the least recently used goes.
      await engine.query(a, "SELECT 1");
      const c = crypto.randomUUID();
      assert.ok(engine.loadedBytes + csv.byteLength > engine.budgetBytes, `${engine.loadedBytes} B loaded`);
      await engine.ensure(ds(c), () => Promise.resolve(csv.slice()));
      assert.equal(engine.isLoaded(b), false, "b was the least recently used");
      assert.ok(engine.isLoaded(a) && engine.isLoaded(c));
      await engine.unload(a);
      assert.equal(engine.tableBytes(a), null);
      assert.equal(await memory(c), engine.tableBytes(c), "unloading gives the memory back");
      await engine.unload(c);
      assert.equal(engine.loadedBytes, 0);

      // Loads running at once on a budget too small for either: neither evicts the other.
      const tiny = await Engine.start({ workers: 1, memoryMb: 0.0002 });
      try {
        const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
        await Promise.all(ids.map((id) => tiny.ensure(ds(id), () => Promise.resolve(enc("a,b\n1,2\n")))));
        for (const id of ids) {
          assert.deepEqual((await tiny.query(id, `SELECT SUM(b) FROM "${tableNames(id).view}"`)).rows, [[2]]);
        }
      } finally {
        tiny.close();
      }
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name: "csv: the file is sniffed once and read through a pinned view; hostile header names stay names",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const id = crypto.randomUUID();
    const { raw, file } = tableNames(id);
    const names = ["x'}); DROP TABLE t; --", "a\tb", "cost"];
    const csv = `"${names[0]}";"${names[1]}";${names[2]}\r\n'q';"1;2";3,5\r\n`;
    await engine.attach(id, enc(csv));
    try {
      const d = parseSniff((await engine.query(id, sniffCsvSql(file))).rows[0]);
      assert.deepEqual([d.delimiter, d.quote, d.newLine, d.comment], [";", '"', "\\r\\n", ""]);
      assert.deepEqual(d.columns.map((c) => c.name), names);
      await engine.setup(id, [pinnedViewSql(`"${raw}"`, file, d)]);
      const rs = await engine.query(id, `SELECT * FROM "${raw}"`);
      assert.deepEqual(rs.columns.map((c) => c.name), names);
      assert.deepEqual(rs.rows, [["'q'", "1;2", "3,5"]]);
    } finally {
      await engine.unload(id);
    }
  },
});

Deno.test({
  name:
    "ingest: types are sniffed from a sample; a later value that does not fit re-types its column as text, nothing is lost",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const id = crypto.randomUUID();
    // 30,000 integer costs, then one with cents and one word, past DuckDB's 20,480-row sample.
    const lines = ["date,cost,label"];
    for (let i = 0; i < 30_000; i++) lines.push(`2024-01-01,${i % 7},7`);
    lines.push("2024-01-02,0.25,seven");
    const ds = await ingestCsv(engine, id, "late.csv", enc(lines.join("\n") + "\n"));
    assert.equal(ds.rows, 30_001);
    // The decimal re-typed its column as DOUBLE and the word its own as text; the stored
    // statements pin that.
    assert.ok(
      ds.setupSql[0].includes('TRY_CAST("cost" AS DOUBLE)') && ds.setupSql[0].includes('"label" AS "label"'),
      ds.setupSql[0],
    );
    const { view } = tableNames(id);
    const rs = await engine.query(
      id,
      `SELECT SUM("BilledCost"), COUNT(*) FILTER (WHERE label = 'seven'), COUNT(*) FILTER (WHERE "BilledCost" IS NULL) FROM "${view}"`,
    );
    let expected = 0.25;
    for (let i = 0; i < 30_000; i++) expected += i % 7;
    assert.deepEqual(rs.rows, [[expected, 1, 0]]);
    assert.deepEqual(ds.quality.unparsable, { ChargePeriodStart: 0, BilledCost: 0 });
    await engine.unload(id);
  },
});
