import assert from "node:assert/strict";
import { fixture } from "../helpers/app.ts";
import { cents, readCsvObjects, sumColumn } from "../helpers/csv.ts";
import { startServer, startTaskArgs, tempKvPath } from "../helpers/server.ts";
import { focusCsv } from "../../bench/gen.ts";
import { httpError, lastToolResult, startMockGroq, text, toolCalls } from "../helpers/mock_groq.ts";

async function json(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}
const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test("system: the design document's flow against a real server, surviving a restart", async () => {
  const kv = tempKvPath();
  let server = await startServer({ FINOPS_KV_PATH: kv.path });
  try {
    const created = await json(`${server.url}/session/create`, { method: "POST" });
    assert.equal(created.status, 200);
    const id = created.body.session_id;

    const fd = new FormData();
    fd.append(
      "file",
      new File([Deno.readFileSync(fixture("focus_sample.csv"))], "focus_sample.csv", { type: "text/csv" }),
    );
    const up = await json(`${server.url}/session/${id}/upload-csv`, { method: "POST", body: fd });
    assert.equal(up.status, 200);
    assert.equal(up.body.dataset.rows, 1000);

    const expected = cents(sumColumn(readCsvObjects(fixture("focus_sample.csv")), "BilledCost"));
    const q1 = await json(`${server.url}/session/${id}/query`, post({ query: "Show total billed cost" }));
    assert.equal(q1.status, 200);
    assert.equal(cents(q1.body.result.rows[0][0]), expected);
    const q2 = await json(`${server.url}/session/${id}/query`, post({ query: "top 3 services" }));
    assert.equal(q2.body.turn_number, 2);

    let h = await json(`${server.url}/session/${id}/history`);
    assert.equal(h.body.total_messages, 4);

    // Restart: a new process on the same KV finds the session, its history and its data.
    const status = await server.stop("SIGTERM");
    assert.equal(status.code, 0, server.output());
    server = await startServer({ FINOPS_KV_PATH: kv.path });
    h = await json(`${server.url}/session/${id}/history`);
    assert.equal(h.status, 200);
    assert.equal(h.body.total_messages, 4);
    assert.deepEqual(
      h.body.history.map((m: { content: string }) => m.content).filter((_: unknown, i: number) => i % 2 === 0),
      [
        "Show total billed cost",
        "top 3 services",
      ],
    );
    const q3 = await json(`${server.url}/session/${id}/query`, post({ query: "what about EC2?" }));
    assert.equal(q3.status, 200);
    assert.equal(q3.body.turn_number, 3);
    assert.match(q3.body.sql, /Amazon Elastic Compute Cloud/, "entity memory survived the restart");
    const q4 = await json(`${server.url}/session/${id}/query`, post({ query: "total billed cost" }));
    assert.equal(cents(q4.body.result.rows[0][0]), expected, "data reloaded from KV after restart");

    const sessions = await json(`${server.url}/sessions`);
    assert.ok(
      sessions.body.some((s: { session_id: string; message_count: number }) =>
        s.session_id === id && s.message_count === 8
      ),
    );

    const del = await json(`${server.url}/session/${id}`, { method: "DELETE" });
    assert.equal(del.status, 200);
    assert.equal((await json(`${server.url}/session/${id}/history`)).status, 404);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /http_requests_total\{route="\/session\/:id\/query",method="POST",status="200"\} [1-9]/);
    assert.match(metrics, /process_resident_memory_bytes [1-9]/);
    const health = await json(`${server.url}/health`);
    assert.equal(health.body.status, "healthy");
    assert.doesNotMatch(server.output(), /focus_sample|BilledCost/, "logs carry no uploaded data");
  } finally {
    await server.stop("SIGKILL").catch(() => {});
    kv.cleanup();
  }
});

Deno.test("system: with GROQ_API_KEY the real server (start task permissions) asks the model and falls back", async () => {
  const mock = startMockGroq();
  const kv = tempKvPath();
  const server = await startServer({
    FINOPS_KV_PATH: kv.path,
    GROQ_API_KEY: "gsk_system_test",
    GROQ_BASE_URL: mock.url,
    GROQ_MAX_RETRIES: "0",
    FINOPS_LLM_MODE: "always",
  });
  try {
    const id = (await json(`${server.url}/session/create`, { method: "POST" })).body.session_id;
    mock.script(
      toolCalls(["run_sql", {
        sql: "SELECT ServiceName, SUM(EffectiveCost) AS cost FROM billing GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
      }]),
      (req) => {
        const r = lastToolResult(req, true);
        return text(`${r.rows[0][0]} leads.`);
      },
    );
    const q = await json(`${server.url}/session/${id}/query`, post({ query: "which service leads?" }));
    assert.equal(q.status, 200);
    assert.equal(q.body.planner, "llm", JSON.stringify(q.body.llm));
    assert.equal(mock.requests[0].authorization, "Bearer gsk_system_test");
    assert.match(q.body.response, /^Amazon Elastic Compute Cloud leads\./);

    mock.script(httpError(503));
    const f = await json(`${server.url}/session/${id}/query`, post({ query: "top 3 services" }));
    assert.equal(f.body.planner, "builtin");
    assert.match(f.body.llm.fallback, /http_503/);
    assert.match(server.output(), /"msg":"llm fallback"/);
    assert.doesNotMatch(server.output(), /gsk_system_test/, "the key never reaches the logs");
  } finally {
    await server.stop("SIGKILL").catch(() => {});
    await mock.close();
    kv.cleanup();
  }
});

Deno.test("system: the start task's permissions deny files, processes, hosts and variables the app does not need", async () => {
  const args = startTaskArgs();
  const main = args.indexOf("main.ts");
  assert.ok(main > 0, "the start task runs main.ts");
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [...args.slice(0, main), "tests/system/sandbox_probe.ts"],
    cwd: new URL("../../", import.meta.url).pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const r = JSON.parse(text.trim().split("\n").at(-1)!);
  for (
    const denied of [
      "read_etc_passwd",
      "read_home",
      "read_source",
      "write_outside_data",
      "spawn",
      "net_other_host",
      "net_other_port",
      "env_other",
      "ffi",
    ]
  ) {
    assert.equal(r[denied], "NotCapable", `${denied}: ${r[denied]}`);
  }
  // What the app needs still works.
  assert.equal(r.read_data, "allowed");
  assert.equal(r.listen_loopback, "allowed");
});

Deno.test("system: SIGTERM lets the in-flight upload finish, refuses new connections, closes KV and exits 0", async () => {
  const kv = tempKvPath();
  const server = await startServer({ FINOPS_KV_PATH: kv.path });
  try {
    const id = (await json(`${server.url}/session/create`, { method: "POST" })).body.session_id;
    const csv = new TextEncoder().encode(focusCsv(300_000));
    let sent = 0;
    let sentAll: () => void = () => {};
    const allSent = new Promise<void>((r) => sentAll = r);
    // The body is read as it arrives, slice by slice: its last bytes leave the client only once
    // the server has taken in nearly all of it.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= csv.byteLength) {
          controller.close();
          return sentAll();
        }
        controller.enqueue(csv.slice(sent, sent += 256 * 1024));
      },
    });
    let settled = false;
    const upload = fetch(`${server.url}/session/${id}/upload-csv?name=big.csv`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: stream,
    });
    upload.finally(() => settled = true).catch(() => {});
    // SIGTERM once the 45 MB body has been sent, while the server still reads and loads it.
    await allSent;
    const inFlight = !settled;
    server.child.kill("SIGTERM");
    const res = await upload.catch((e) => {
      throw new Error(`${e}\n${server.output()}`);
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.dataset.rows, 300_000);
    const status = await server.child.status;
    assert.equal(status.code, 0, server.output());
    assert.ok(inFlight, "the upload was still in flight at SIGTERM");
    assert.match(server.output(), /"msg":"shutting down","signal":"SIGTERM"/);
    assert.doesNotMatch(server.output(), /grace period over/);
    await assert.rejects(fetch(`${server.url}/health`), "no new connections after shutdown");

    // What the finished upload stored is whole: a new process answers from it.
    const again = await startServer({ FINOPS_KV_PATH: kv.path });
    try {
      const q = await json(`${again.url}/session/${id}/query`, post({ query: "how many rows" }));
      assert.equal(q.status, 200);
      assert.match(q.body.response, /300,000/);
    } finally {
      await again.stop();
    }
  } finally {
    await server.stop("SIGKILL").catch(() => {});
    kv.cleanup();
  }
});
