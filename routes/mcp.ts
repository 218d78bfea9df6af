/**
 * `/mcp`: the agent as a Model Context Protocol server (Streamable HTTP transport, with the
 * official SDK's web-standard transport, stateless: a server per request, JSON responses), so
 * Claude, Cursor, VS Code or an in-house agent can ask cost questions. Same app, same access
 * rules as REST: the request's owner (local, an API key, never an anonymous browser unless
 * `FINOPS_MCP_PUBLIC`) owns the sessions a tool may touch; every tool goes through the same code
 * as its REST route, so the numbers are the same.
 * @module
 */
// The SDK's export map points types at "<file>.js.d.ts"; the extensionless specifiers find them.
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { z } from "zod";
import type { Context } from "hono";
import { weeklyDigest } from "../agents/digest.ts";
import { guardSql } from "../agents/llm/sql_guard.ts";
import { NotFoundError, toHttpError } from "../errors.ts";
import { deleteBudget } from "../memory/budgets.ts";
import { dismissIncident } from "../memory/dismissals.ts";
import { listMessages } from "../memory/messages.ts";
import { importUpload } from "../agents/data_loader.ts";
import { datasetIdOf, deleteSessionWithData, exportConversation, sessionDatasetView, useSample } from "./sessions.ts";
import { uploadLimits, uploadMessage } from "./uploads.ts";
import { getDatasetMeta } from "../memory/datasets.ts";
import { accessMode, rateLimit } from "./access.ts";
import { BudgetBody, budgetStatuses, createBudget, setWebhook } from "./budgets.ts";
import type { App, AppDeps, AppEnv } from "./deps.ts";
import { answer } from "./queries.ts";
import { QueryBody } from "./schemas.ts";
import { datasetView } from "./views.ts";
import { API_VERSION } from "../version.ts";

/** A tool's result: the text for the model, and the same content as structured data. */
type ToolResult = {
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

/** The largest CSV text `upload_csv` takes (the `/mcp` request limit is a little above it). */
export const MCP_CSV_BYTES = 3_000_000;

const sessionId = z.string().uuid().describe("A session id from list_sessions or create_session");

/** Runs a tool body; an error becomes a tool error with the REST error's code and message. */
async function tool(
  requestId: string,
  body: () => Promise<Record<string, unknown> & { text: string }>,
): Promise<ToolResult> {
  try {
    const { text, ...rest } = await body();
    return { content: [{ type: "text", text }], structuredContent: { text, ...rest } };
  } catch (e) {
    const { body } = toHttpError(e, requestId);
    return { content: [{ type: "text", text: `${body.error.code}: ${body.error.message}` }], isError: true };
  }
}

/** The MCP server for one request, its tools bound to the caller. */
function serverFor(deps: AppDeps, c: Context<AppEnv>): McpServer {
  const owner = c.get("owner");
  const requestId = c.get("requestId");
  const session = async (id: string) => (await deps.sessions.get(id, owner)).value;
  const server = new McpServer(
    { name: "finops-agent", version: API_VERSION },
    {
      instructions: "Cost questions about uploaded cloud bills (FOCUS, AWS CUR, Azure, GCP, OCI). Every number comes " +
        "from SQL over the session's data; answers state the cost basis, currency, period and filters.",
    },
  );
  const ask = (id: string, question: string) =>
    tool(requestId, async () => {
      await rateLimit(deps, c, "query");
      const a = await answer(deps, await session(id), question, requestId);
      const rows = a.result?.rows ?? [];
      return {
        text: a.response,
        sql: a.sql,
        columns: a.result?.columns ?? [],
        rows: rows.slice(0, 200),
        rows_total: rows.length,
        chart_url: a.chart_url ? new URL(a.chart_url, c.req.url).toString() : null,
        basis: a.basis,
        currency: a.currency,
        reading: a.reading?.text ?? null,
        dataset: a.dataset,
      };
    });

  server.registerTool("ask", {
    title: "Ask a cost question",
    description: "Ask a question in plain words in a session (e.g. 'top 5 services last month'); the turn is kept in " +
      "the session's history, so follow-ups work. Returns the answer, the SQL, the result rows, the chart URL, basis, " +
      "currency and how the question was read.",
    // The REST body's own `query` schema, with the server's length limit.
    inputSchema: { session_id: sessionId, question: QueryBody.shape.query.max(deps.config.maxQuestionChars) },
  }, ({ session_id, question }) => ask(session_id, question));

  server.registerTool("forecast", {
    title: "Forecast cost",
    description: "Forecast cost for a period after the data (default: next month), optionally for one service, with " +
      "80% and 95% intervals and the backtested method.",
    inputSchema: {
      session_id: sessionId,
      period: z.string().max(60).default("next month").describe("e.g. 'next month', 'next quarter', 'Q3 2025'"),
      service: z.string().max(200).optional(),
    },
  }, ({ session_id, period, service }) => ask(session_id, `forecast ${period}${service ? ` for ${service}` : ""}`));

  server.registerTool("detect_anomalies", {
    title: "Detect cost anomalies",
    description: "Anomaly incidents (spikes, drops, launches, steps) with impact, severity and root cause.",
    inputSchema: { session_id: sessionId, period: z.string().max(60).optional().describe("e.g. 'last month'") },
  }, ({ session_id, period }) => ask(session_id, `any anomalies${period ? ` ${period}` : ""}?`));

  server.registerTool("explain_change", {
    title: "Explain a cost change",
    description: "Why cost changed between two periods: by service, region and account, volume against rate.",
    inputSchema: {
      session_id: sessionId,
      period: z.string().max(60).default("last month").describe("The period explained against the one before it"),
    },
  }, ({ session_id, period }) => ask(session_id, `why did cost change ${period}?`));

  server.registerTool("run_sql", {
    title: "Run read-only SQL",
    description: "One read-only SELECT over the session's data, as table `billing` with FOCUS column names " +
      "(see describe_dataset). Checked by the same guard and budgets as the LLM's queries.",
    inputSchema: { session_id: sessionId, sql: z.string().min(1).max(20_000) },
  }, ({ session_id, sql }) =>
    tool(requestId, async () => {
      await rateLimit(deps, c, "query");
      const datasetId = datasetIdOf(await session(session_id));
      const wrapped = await guardSql(deps.engine, datasetId, sql);
      const rs = await deps.engine.query(datasetId, wrapped);
      return {
        text: `${rs.rows.length} row${rs.rows.length === 1 ? "" : "s"}.\n\n${JSON.stringify(rs.rows.slice(0, 50))}`,
        sql: wrapped,
        columns: rs.columns,
        rows: rs.rows,
      };
    }));

  server.registerTool("search_knowledge", {
    title: "Search the FinOps knowledge base",
    description: "Passages on FOCUS columns, cost bases, commitments, allocation, anomalies, unit economics.",
    inputSchema: { query: z.string().min(1).max(500), limit: z.number().int().min(1).max(10).default(3) },
  }, ({ query, limit }) =>
    tool(requestId, () => {
      const hits = deps.knowledge.search(query, limit);
      return Promise.resolve({
        text: hits.map((h) => `## ${h.title} § ${h.heading}\n\n${h.text}`).join("\n\n") || "No passage matches.",
        passages: hits.map((h) => ({ file: h.file, title: h.title, heading: h.heading, text: h.text })),
      });
    }));

  server.registerTool("list_sessions", {
    title: "List sessions",
    description: "The caller's sessions, most recently active first, with their data.",
    inputSchema: {},
  }, () =>
    tool(requestId, async () => {
      const list = await deps.sessions.list(owner);
      const sessions = await Promise.all(list.map(async (s) => ({
        session_id: s.id,
        last_activity: s.lastActivity,
        turns: Math.floor(s.messageCount / 2),
        dataset: s.datasetId ? (await getDatasetMeta(deps.kv, s.datasetId).catch(() => null))?.name ?? null : null,
      })));
      return {
        text: sessions.map((s) => `${s.session_id}: ${s.dataset ?? "no data"}, ${s.turns} turns`).join("\n") ||
          "No sessions.",
        sessions,
      };
    }));

  server.registerTool("create_session", {
    title: "Create a session",
    description: "A new session, on the bundled sample data unless use_sample is false (upload data over REST).",
    inputSchema: { use_sample: z.boolean().default(true) },
  }, ({ use_sample }) =>
    tool(requestId, async () => {
      await rateLimit(deps, c, "session");
      const s = await deps.sessions.create(owner, use_sample ? deps.sampleDatasetId : null);
      return {
        text: `Session ${s.id} created${use_sample && deps.sampleDatasetId ? " on the sample data" : ""}.`,
        session_id: s.id,
      };
    }));

  server.registerTool("describe_dataset", {
    title: "Describe a session's data",
    description: "Format, columns and their FOCUS mapping, date range, currencies, cost bases and data quality.",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) =>
    tool(requestId, async () => {
      const view = await sessionDatasetView(deps, await session(session_id));
      return { text: JSON.stringify(view), dataset: view };
    }));

  server.registerTool("set_budget", {
    title: "Set a monthly budget",
    description: "A monthly budget for the whole bill or one service, account, provider or tag; returns where it " +
      "stands: month to date, the month's forecast with its interval, the probability of going over, the crossing day.",
    inputSchema: { session_id: sessionId, ...BudgetBody.shape },
  }, ({ session_id, ...body }) =>
    tool(requestId, async () => {
      return { ...(await createBudget(deps, await session(session_id), BudgetBody.parse(body))) };
    }));

  server.registerTool("budget_status", {
    title: "Budget status",
    description: "Every budget of a session: month to date, forecast, probability of going over, crossing day.",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) =>
    tool(requestId, async () => {
      const budgets = await budgetStatuses(deps, await session(session_id));
      return { text: budgets.map((b) => b.text).join("\n\n") || "No budget is set in this session.", budgets };
    }));

  server.registerTool("digest", {
    title: "Weekly digest",
    description: "The weekly digest in Markdown: what changed, anomaly incidents, budgets, forecast.",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) => tool(requestId, async () => ({ text: await weeklyDigest(deps, await session(session_id)) })));

  server.registerTool("upload_csv", {
    title: "Upload billing data as CSV text",
    description:
      "A billing export's CSV text (FOCUS, AWS CUR, Azure, GCP, OCI or any cost CSV) becomes the session's " +
      `data, or is added to it (mode append). At most ${MCP_CSV_BYTES / 1_000_000} MB here; larger files go over ` +
      "REST (POST /session/{id}/upload-csv, multipart).",
    inputSchema: {
      session_id: sessionId,
      name: z.string().min(1).max(200).default("upload.csv"),
      csv: z.string().min(1).max(MCP_CSV_BYTES),
      mode: z.enum(["replace", "append"]).default("replace"),
    },
  }, ({ session_id, name, csv, mode }) =>
    tool(requestId, async () => {
      await session(session_id);
      await rateLimit(deps, c, "upload");
      const limits = uploadLimits(deps.config);
      const outcome = await deps.drain.track(
        importUpload(deps, name, new TextEncoder().encode(csv), limits, { sessionId: session_id, mode }),
      );
      return { text: uploadMessage(outcome), dataset: datasetView(outcome.meta) };
    }));

  server.registerTool("use_sample", {
    title: "Use the sample data",
    description: "Make the bundled sample the session's data (its own upload is deleted; the conversation stays).",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) =>
    tool(requestId, async () => {
      await session(session_id);
      const out = await useSample(deps, session_id);
      return { text: out.message, dataset: out.dataset };
    }));

  server.registerTool("get_history", {
    title: "Conversation history",
    description: "A session's questions and answers in order (the last `limit` messages).",
    inputSchema: { session_id: sessionId, limit: z.number().int().min(1).max(1000).default(50) },
  }, ({ session_id, limit }) =>
    tool(requestId, async () => {
      await session(session_id);
      const history = await listMessages(deps.kv, session_id, limit);
      return {
        text: history.map((m) => `${m.role === "user" ? "Q" : "A"}: ${m.content}`).join("\n\n") || "No messages.",
        history,
      };
    }));

  server.registerTool("export_conversation", {
    title: "Export the conversation",
    description: "Markdown (SQL and formatted tables, the data each answer used) or JSON (exact values).",
    inputSchema: { session_id: sessionId, format: z.enum(["md", "json"]).default("md") },
  }, ({ session_id, format }) =>
    tool(requestId, async () => {
      const out = await exportConversation(deps, await session(session_id), format);
      return typeof out === "string" ? { text: out } : { text: JSON.stringify(out), export: out };
    }));

  server.registerTool("clear_history", {
    title: "Clear the conversation",
    description: "Delete a session's questions, answers, charts and memory; the data stays.",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) =>
    tool(requestId, async () => {
      await session(session_id);
      await deps.sessions.clearHistory(session_id);
      return { text: "History cleared." };
    }));

  server.registerTool("delete_session", {
    title: "Delete a session",
    description: "Delete a session with its history, charts, budgets and uploaded data.",
    inputSchema: { session_id: sessionId },
  }, ({ session_id }) =>
    tool(requestId, async () => {
      await deleteSessionWithData(deps, await session(session_id));
      return { text: "Session deleted." };
    }));

  server.registerTool("dismiss_incident", {
    title: "Dismiss an anomaly incident",
    description: "Mark an incident (the `incident` id of detect_anomalies) as expected: not reported again here.",
    inputSchema: { session_id: sessionId, incident: z.string().regex(/^inc-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}$/) },
  }, ({ session_id, incident }) =>
    tool(requestId, async () => {
      await session(session_id);
      await dismissIncident(deps.kv, session_id, incident);
      return { text: `Incident ${incident} dismissed: it will not be reported again in this session.` };
    }));

  server.registerTool("delete_budget", {
    title: "Delete a budget",
    description: "Delete one of a session's budgets (its `budget_id` from budget_status).",
    inputSchema: { session_id: sessionId, budget_id: z.string().uuid() },
  }, ({ session_id, budget_id }) =>
    tool(requestId, async () => {
      await session(session_id);
      await deleteBudget(deps.kv, session_id, budget_id);
      return { text: "Budget deleted." };
    }));

  server.registerTool("set_webhook", {
    title: "Set the alert webhook",
    description: "Where budget and anomaly alerts and the weekly digest are posted (Slack-compatible JSON, signed " +
      "with HMAC-SHA256); the host must be one the server allows (WEBHOOK_HOSTS). Returns the signing secret once.",
    inputSchema: { session_id: sessionId, url: z.string().url().max(2000) },
  }, ({ session_id, url }) =>
    tool(requestId, async () => {
      await session(session_id);
      const hook = await setWebhook(deps, session_id, url);
      return { text: `Alerts for this session go to ${hook.url}.`, ...hook };
    }));

  server.registerResource(
    "dataset",
    new ResourceTemplate("finops://session/{session_id}/dataset", { list: undefined }),
    {
      title: "A session's dataset",
      description: "Schema, FOCUS mapping and data quality",
      mimeType: "application/json",
    },
    async (uri, { session_id }) => {
      const view = await sessionDatasetView(deps, await session(String(session_id)));
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(view, null, 1) }] };
    },
  );

  server.registerResource(
    "focus-glossary",
    "finops://glossary/focus-columns",
    { title: "FOCUS column glossary", description: "What the FOCUS columns mean", mimeType: "text/markdown" },
    (uri) => ({
      contents: [{
        uri: uri.href,
        mimeType: "text/markdown",
        text: deps.knowledge.passages.filter((p) => p.file === "focus-columns.md")
          .map((p) => `## ${p.heading}\n\n${p.text}`).join("\n\n"),
      }],
    }),
  );

  server.registerPrompt("monthly_cost_review", {
    title: "Monthly cost review",
    description: "Review last month's cost: totals, top services, what changed and why, anomalies, budgets, forecast.",
    argsSchema: { session_id: sessionId },
  }, ({ session_id }) => ({
    messages: [{
      role: "user",
      content: {
        type: "text",
        text: `Use the FinOps Agent tools on session ${session_id}: ask "total cost last month" and "top 5 services ` +
          `last month", call explain_change for last month, detect_anomalies, budget_status and forecast for next ` +
          `month. Write a one-page review for a FinOps lead; quote only numbers the tools returned, with their basis.`,
      },
    }],
  }));

  server.registerPrompt("investigate_spike", {
    title: "Investigate a spike",
    description: "Find out why cost spiked on a day or in a service.",
    argsSchema: { session_id: sessionId, what: z.string().max(200).describe("e.g. 'EC2 on the 14th'") },
  }, ({ session_id, what }) => ({
    messages: [{
      role: "user",
      content: {
        type: "text",
        text: `Use the FinOps Agent tools on session ${session_id} to find why cost spiked (${what}): ask "why did ` +
          `${what} spike?", then detect_anomalies, then run_sql for the charges behind it. Name the resource, SKU or ` +
          `account responsible and the amount, quoting only numbers the tools returned.`,
      },
    }],
  }));
  return server;
}

/** Registers `/mcp` (POST for requests; GET and DELETE answered 405 in stateless mode). */
export function mcpRoutes(app: App, deps: AppDeps): void {
  app.all("/mcp", async (c) => {
    if (accessMode(deps.config) === "public" && !deps.config.mcpPublic) {
      throw new NotFoundError("MCP is not served in public mode (set FINOPS_MCP_PUBLIC=1 to serve it).");
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    const server = serverFor(deps, c);
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
}
