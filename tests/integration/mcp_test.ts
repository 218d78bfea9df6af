/**
 * The MCP server at /mcp, driven by the official SDK's client over Streamable HTTP against the
 * app listening on loopback: tools, resources and prompts listed; a question answered with the
 * same numbers as REST; keys mode isolation (401 without a key, another key's session not found);
 * public mode off unless configured.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Running } from "../../bootstrap.ts";
import { askOk, engineTest, jsonReq, newSession, testApp } from "../helpers/app.ts";

/** The app on a free loopback port, for a client that speaks HTTP. */
function listen(running: Running): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, running.app.fetch);
  return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** An MCP client connected to `/mcp`, with an optional bearer key. */
async function connect(url: string, key?: string): Promise<Client> {
  const client = new Client({ name: "finops-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: key ? { headers: { authorization: `Bearer ${key}` } } : undefined,
  });
  await client.connect(transport);
  return client;
}

type ToolOut = {
  isError?: boolean;
  content: { type: string; text: string }[];
  structuredContent?: Record<string, unknown>;
};

Deno.test({
  name: "mcp: tools, resources and prompts are listed; ask gives the same numbers as REST; run_sql is guarded",
  ...engineTest,
  async fn() {
    const running = await testApp();
    const http = listen(running);
    const client = await connect(http.url);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(tools, [
        "ask",
        "budget_status",
        "clear_history",
        "create_session",
        "delete_budget",
        "delete_session",
        "describe_dataset",
        "detect_anomalies",
        "digest",
        "dismiss_incident",
        "explain_change",
        "export_conversation",
        "forecast",
        "get_history",
        "list_sessions",
        "run_sql",
        "search_knowledge",
        "set_budget",
        "set_webhook",
        "upload_csv",
        "use_sample",
      ]);
      const ask = (await client.listTools()).tools.find((t) => t.name === "ask")!;
      assert.deepEqual(Object.keys(ask.inputSchema.properties ?? {}).sort(), ["question", "session_id"]);

      const created = await client.callTool({ name: "create_session", arguments: {} }) as ToolOut;
      const id = String(created.structuredContent!.session_id);
      const viaMcp = await client.callTool({
        name: "ask",
        arguments: { session_id: id, question: "top 3 services last month" },
      }) as ToolOut;
      assert.equal(viaMcp.isError, undefined);
      const restId = await newSession(running.app);
      const viaRest = await askOk<{ result: { rows: unknown[][] }; sql: string; response: string }>(
        running.app,
        restId,
        "top 3 services last month",
      );
      assert.deepEqual(viaMcp.structuredContent!.rows, viaRest.result.rows, "the same numbers as REST");
      assert.equal(viaMcp.content[0].text, viaRest.response);
      assert.equal(viaMcp.structuredContent!.basis, "effective");
      // The turn is kept in the session's history, as over REST.
      const history = await (await running.app.request(`/session/${id}/history`)).json();
      assert.equal(history.total_messages, 2);

      const sql = await client.callTool({
        name: "run_sql",
        arguments: { session_id: id, sql: "SELECT COUNT(*) AS n FROM billing" },
      }) as ToolOut;
      assert.deepEqual(sql.structuredContent!.rows, [[7253]]);
      const evil = await client.callTool({
        name: "run_sql",
        arguments: { session_id: id, sql: "SELECT * FROM read_csv('/etc/passwd')" },
      }) as ToolOut;
      assert.equal(evil.isError, true);
      assert.match(evil.content[0].text, /^security_error: The function .read_csv. is not allowed/);

      const listed = await client.callTool({ name: "list_sessions", arguments: {} }) as ToolOut;
      assert.ok((listed.structuredContent!.sessions as { session_id: string }[]).some((s) => s.session_id === id));
      const knowledge = await client.callTool({
        name: "search_knowledge",
        arguments: { query: "savings plan" },
      }) as ToolOut;
      assert.match(knowledge.content[0].text, /[Ss]avings [Pp]lan/);

      const resource = await client.readResource({ uri: `finops://session/${id}/dataset` });
      assert.match(String((resource.contents[0] as { text: string }).text), /"schema_label"/);
      const glossary = await client.readResource({ uri: "finops://glossary/focus-columns" });
      assert.match(String((glossary.contents[0] as { text: string }).text), /BilledCost/);
      const prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
      assert.deepEqual(prompts, ["investigate_spike", "monthly_cost_review"]);
      const prompt = await client.getPrompt({ name: "monthly_cost_review", arguments: { session_id: id } });
      assert.match(JSON.stringify(prompt.messages), new RegExp(id));
    } finally {
      await client.close();
      await http.close();
      await running.close();
    }
  },
});

Deno.test({
  name: "mcp: what REST does — upload CSV text, ask on it, history, export, budget, sample, clear, delete",
  ...engineTest,
  async fn() {
    const running = await testApp();
    const http = listen(running);
    const client = await connect(http.url);
    const call = async (name: string, args: Record<string, unknown>) => {
      const out = await client.callTool({ name, arguments: args }) as ToolOut;
      assert.equal(out.isError, undefined, `${name}: ${out.content[0]?.text}`);
      return out;
    };
    try {
      const id = String((await call("create_session", { use_sample: false })).structuredContent!.session_id);
      const csv = "ChargePeriodStart,ServiceName,BilledCost,BillingCurrency\n2025-06-01,Amazon EC2,12.5,USD\n" +
        "2025-06-02,Amazon S3,7.25,USD\n";
      const up = await call("upload_csv", { session_id: id, name: "tiny.csv", csv });
      assert.match(up.content[0].text, /Loaded 2 rows/);
      const total = await call("ask", { session_id: id, question: "total cost" });
      assert.match(total.content[0].text, /\$19\.75/, "12.50 + 7.25");
      const history = await call("get_history", { session_id: id });
      assert.equal((history.structuredContent!.history as unknown[]).length, 2);
      const md = await call("export_conversation", { session_id: id });
      assert.match(md.content[0].text, /_Computed on tiny\.csv \(2 rows\)\._/);
      const budget = await call("set_budget", { session_id: id, amount: 100 });
      await call("delete_budget", { session_id: id, budget_id: String(budget.structuredContent!.budget_id) });
      assert.match((await call("budget_status", { session_id: id })).content[0].text, /No budget/);
      assert.match((await call("use_sample", { session_id: id })).content[0].text, /sample_billing\.csv/);
      await call("clear_history", { session_id: id });
      assert.equal(((await call("get_history", { session_id: id })).structuredContent!.history as unknown[]).length, 0);
      await call("delete_session", { session_id: id });
      const gone = await client.callTool({ name: "get_history", arguments: { session_id: id } }) as ToolOut;
      assert.match(gone.content[0].text, /^not_found/);
    } finally {
      await client.close();
      await http.close();
      await running.close();
    }
  },
});

Deno.test({
  name: "mcp: keys mode — no key is 401 as REST; another key's session is not found; public mode serves no MCP",
  ...engineTest,
  async fn() {
    const running = await testApp({ apiKeys: ["key-alice-0123456789", "key-bob-0123456789"] });
    const http = listen(running);
    try {
      const bare = await fetch(`${http.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      assert.equal(bare.status, 401);
      await bare.body?.cancel();
      const alice = await connect(http.url, "key-alice-0123456789");
      const bob = await connect(http.url, "key-bob-0123456789");
      const created = await alice.callTool({ name: "create_session", arguments: {} }) as ToolOut;
      const id = String(created.structuredContent!.session_id);
      const stolen = await bob.callTool({
        name: "ask",
        arguments: { session_id: id, question: "total cost" },
      }) as ToolOut;
      assert.equal(stolen.isError, true);
      assert.match(stolen.content[0].text, /^not_found: Session/);
      const rest = await running.app.request(`/session/${id}/history`, {
        headers: { authorization: "Bearer key-bob-0123456789" },
      });
      assert.equal(rest.status, 404, "REST says the same");
      await rest.body?.cancel();
      const mine = await alice.callTool({
        name: "ask",
        arguments: { session_id: id, question: "total cost" },
      }) as ToolOut;
      assert.equal(mine.isError, undefined);
      await alice.close();
      await bob.close();
    } finally {
      await http.close();
      await running.close();
    }
    const pub = await testApp({ publicMode: true });
    const r = await pub.app.request("/mcp", jsonReq("POST", { jsonrpc: "2.0", id: 1, method: "tools/list" }));
    assert.equal(r.status, 404);
    assert.match((await r.json()).error.message, /FINOPS_MCP_PUBLIC/);
    await pub.close();
  },
});
