/**
 * The LLM agent: one question answered by a tool-calling model under our rules. The model sees
 * the schema, frequent values and the conversation, and calls tools; our code validates every
 * argument with the app's zod schemas, runs every query itself and keeps the results as the
 * evidence the model's reply is checked against. Any failure returns `{ ok: false }` with the
 * reason, and the supervisor lets the built-in planner answer.
 * @module
 */
import type { ResultSet } from "../../analytics/arrow_json.ts";
import type { ChartType } from "../../analytics/charts/spec.ts";
import type { DatasetMeta } from "../../analytics/dataset.ts";
import type { ChartRenderer } from "../../analytics/charts/renderer.ts";
import { type Engine, tableNames } from "../../analytics/engine.ts";
import { q } from "../../analytics/sql.ts";
import { AppError, EngineError, LlmError, SecurityError, ValidationError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { addLlmUsage, getLlmUsage } from "../../memory/llm_usage.ts";
import { listMessages } from "../../memory/messages.ts";
import type { SessionRecord } from "../../memory/sessions.ts";
import { renderAnswer } from "../answer.ts";
import { type CompiledQuery, compilePlan, knownColumns, TAG_PREFIX } from "../compiler.ts";
import type { ValueIndexCache } from "../context.ts";
import { drawChart } from "../draw.ts";
import { markdownTable } from "../format.ts";
import { type InsightOutput, runInsight } from "../insight/mod.ts";
import { cite, isRelevant, type KnowledgeBase, type KnowledgeSource } from "../knowledge.ts";
import { defaultPlan, type EntityMemory, normText, type ValueIndex } from "../planner.ts";
import type { AgentReply, Analysis, Intent, LlmTurnInfo, Progress, QueryPlan } from "../types.ts";
import { type ChartChoice, chartForQuery, chartForRows, requestedChart } from "../visualizer.ts";
import type { ChatMessage, LlmClient, ToolCall } from "./client.ts";
import { unsupportedNumbers } from "./numbers.ts";
import { fill, loadPrompt } from "./prompts.ts";
import { guardSql } from "./sql_guard.ts";
import { parseToolCall, TOOL_ARGS, toolDefinitions, type ToolName } from "./tools.ts";
import type { z } from "zod";

/** How the LLM is used, from the configuration. */
export interface LlmSettings {
  client: LlmClient;
  /** `auto`: only for what the built-in planner cannot answer; `always`: for every data question. */
  mode: "auto" | "always";
  /** Tokens a session may spend on the LLM in total. */
  budget: number;
}

/** What the LLM agent needs from the app. */
export interface LlmAgentEnv {
  kv: Deno.Kv;
  engine: Engine;
  values: ValueIndexCache;
  knowledge: KnowledgeBase;
  log?: Logger;
  charts: ChartRenderer;
}

/** The outcome of an LLM turn: an answer, or why there is none (the built-in planner answers). */
export type LlmOutcome =
  | { ok: true; reply: AgentReply; memory: EntityMemory | null; info: LlmTurnInfo }
  | { ok: false; reason: string; info: LlmTurnInfo };

/** Model rounds per question (each round may call several tools). */
export const MAX_ROUNDS = 6;
/** Tool failures tolerated: the first gets a repair round, the second ends the attempt. */
export const MAX_TOOL_FAILURES = 2;
/** Earlier messages shown to the model. */
const HISTORY_MESSAGES = 6;
/** Rows of a result the model sees (it gets the count and the draft text for the rest). */
const ROWS_SHOWN = 40;

type Step =
  | { kind: "plan"; plan: QueryPlan; compiled: CompiledQuery; rs: ResultSet; text: string }
  | { kind: "sql"; sql: string; rs: ResultSet; text: string; purpose: string }
  | { kind: "insight"; out: InsightOutput; text: string };

/** One question being answered: who asks, about what, and what the model did so far. */
interface Turn {
  env: LlmAgentEnv;
  llm: LlmSettings;
  session: SessionRecord;
  meta: DatasetMeta | null;
  question: string;
  memory: EntityMemory | null;
  intent: Intent;
  info: LlmTurnInfo;
  progress?: Progress;
}

/** What the tools of one turn produced. */
interface TurnState {
  steps: Step[];
  sql: string[];
  passages: { source: KnowledgeSource; text: string }[];
  chart: { requested: boolean; type: ChartType | null };
  failures: number;
}

function toolName(c: ToolCall): string {
  return c.function?.name ?? "";
}

/**
 * Matches plan filter values against the dataset's value index: exact values pass, case
 * variants are corrected, and unknown values fail with the closest real ones (for a repair).
 */
export function resolveFilterValues(plan: QueryPlan, values: ValueIndex): QueryPlan {
  const filters = plan.filters.map((f) => {
    const index = values[f.column];
    if (!index) return f;
    const out = f.values.map((v) => {
      if (index.some((x) => x.value === v)) return v;
      const ci = index.find((x) => x.value.toLowerCase() === v.toLowerCase());
      if (ci) return ci.value;
      const near = index.filter((x) => x.value.toLowerCase().includes(v.toLowerCase().slice(0, 12))).slice(0, 5);
      const offer = (near.length ? near : index.slice(0, 8)).map((x) => JSON.stringify(x.value)).join(", ");
      throw new ValidationError(`${f.column} has no value ${JSON.stringify(v)}; values include ${offer}.`, 422);
    });
    return { ...f, values: out };
  });
  return { ...plan, filters };
}

/** The dataset facts in the system prompt: columns with types, frequent values, memory. */
async function datasetFacts(env: LlmAgentEnv, meta: DatasetMeta, memory: EntityMemory | null) {
  const described = await env.engine.query(meta.id, `DESCRIBE ${q(tableNames(meta.id).view)}`);
  const known = knownColumns(meta);
  const columns = described.rows
    .map((r) => ({ name: String(r[0]), type: String(r[1]) }))
    .filter((c) => known.has(c.name))
    .slice(0, 120)
    .map((c) => `${c.name} (${c.type})`);
  const tags = [...known].filter((c) => c.startsWith(TAG_PREFIX)).slice(0, 20);
  const index = await env.values.get(env.engine, meta);
  const clip = (s: string) => JSON.stringify(s.replace(/\s+/g, " ").slice(0, 60));
  const values = Object.entries(index)
    .slice(0, 16)
    .map(([col, vals]) => `${col}: ${vals.slice(0, 8).map((v) => clip(v.value)).join(", ")}`)
    .join("; ");
  return {
    columns: columns.join(", ") + (tags.length ? `; tag dimensions for plans: ${tags.join(", ")}` : ""),
    values: values || "(none indexed)",
    memory: memory?.lastPlan ? `the previous answer's plan was ${JSON.stringify(memory.lastPlan)}` : "(none)",
  };
}

/** The conversation so far, as chat messages (clipped: history is context, not evidence). */
async function history(kv: Deno.Kv, sessionId: string): Promise<ChatMessage[]> {
  const msgs = await listMessages(kv, sessionId, HISTORY_MESSAGES);
  return msgs.map((m) => ({ role: m.role, content: m.content.slice(0, 800) }));
}

/** A result as the model sees it: columns, the first rows, the count, and our draft text. */
function resultForModel(rs: ResultSet, draft: string, extra: Record<string, unknown> = {}): string {
  const rows = rs.rows.slice(0, ROWS_SHOWN).map((r) => r.map((v) => (typeof v === "string" ? v.slice(0, 200) : v)));
  return JSON.stringify({
    ok: true,
    ...extra,
    columns: rs.columns.map((c) => c.name),
    row_count: rs.rows.length,
    rows,
    answer_draft: draft,
  });
}

/** The supervisor-facing entry: answers a question with the LLM, or says why it did not. */
export async function answerWithLlm(
  env: LlmAgentEnv,
  llm: LlmSettings,
  session: SessionRecord,
  meta: DatasetMeta | null,
  question: string,
  opts: { memory: EntityMemory | null; intent: Intent; progress?: Progress },
): Promise<LlmOutcome> {
  const knowledgeOnly = !meta || opts.intent === "knowledge";
  const prompt = await loadPrompt(knowledgeOnly ? "knowledge" : "planner");
  const info: LlmTurnInfo = {
    model: llm.client.model,
    prompt: prompt.version,
    calls: 0,
    attempts: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    tools: [],
    narrative: null,
  };
  const used = await getLlmUsage(env.kv, session.id);
  if (used >= llm.budget) {
    return { ok: false, reason: `token budget of ${llm.budget} used up for this session`, info };
  }
  try {
    const turn: Turn = { env, llm, session, meta, question, ...opts, info };
    return await converse(turn, prompt.text, knowledgeOnly);
  } catch (e) {
    if (e instanceof LlmError || e instanceof AppError) return { ok: false, reason: e.message, info };
    throw e;
  } finally {
    await addLlmUsage(env.kv, session.id, info.total_tokens);
  }
}

async function converse(turn: Turn, template: string, knowledgeOnly: boolean): Promise<LlmOutcome> {
  const { env, llm, session, meta, question, info } = turn;
  const toolNames: ToolName[] = knowledgeOnly ? ["search_knowledge"] : Object.keys(TOOL_ARGS) as ToolName[];
  const system = knowledgeOnly ? template : fill(template, {
    today: new Date().toISOString().slice(0, 10),
    dataset: meta!.name.replace(/[\r\n"]/g, " ").slice(0, 80),
    rows: meta!.rows,
    start: meta!.dateRange?.start ?? "unknown",
    end: meta!.dateRange?.end ?? "unknown",
    currency: meta!.currency ?? "not stated",
    basis: defaultPlan(meta!).basis,
    bases: meta!.bases.join(", "),
    ...(await datasetFacts(env, meta!, turn.memory)),
  });
  const messages: ChatMessage[] = [
    { role: "system", content: system },
    ...(await history(env.kv, session.id)),
    { role: "user", content: question },
  ];
  const tools = toolDefinitions(toolNames);
  const state: TurnState = {
    steps: [],
    sql: [],
    passages: [],
    chart: { requested: false, type: requestedChart(question) },
    failures: 0,
  };
  const fail = (reason: string): LlmOutcome => ({ ok: false, reason, info });

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const res = await llm.client.chat({ messages, tools });
    info.calls++;
    info.attempts += res.attempts;
    info.prompt_tokens += res.usage.prompt_tokens;
    info.completion_tokens += res.usage.completion_tokens;
    info.total_tokens += res.usage.total_tokens;
    const calls = res.message.tool_calls ?? [];
    if (!calls.length) return await finish(turn, res.message.content ?? "", state);

    messages.push({ role: "assistant", content: res.message.content ?? "", tool_calls: calls });
    for (const call of calls) {
      info.tools.push(toolName(call));
      turn.progress?.({ step: "llm", tool: toolName(call) });
      const parsed = parseToolCall(toolName(call), call.function?.arguments ?? "");
      let content: string;
      if (!parsed.ok || !toolNames.includes(parsed.name as ToolName)) {
        state.failures++;
        const error = parsed.ok ? `tool '${parsed.name}' is not available here` : parsed.error;
        content = await repairMessage(`invalid arguments for ${toolName(call)}: ${error}`);
      } else {
        try {
          content = await runTool(env, meta, question, parsed.name, parsed.args, state);
        } catch (e) {
          if (e instanceof SecurityError) {
            env.log?.log("warn", "llm sql rejected", { session_id: session.id, reason: e.message });
            return fail(`rejected SQL: ${e.message}`);
          }
          if (!(e instanceof EngineError || e instanceof ValidationError)) throw e;
          state.failures++;
          content = await repairMessage(e.message);
        }
      }
      messages.push({ role: "tool", tool_call_id: call.id, content });
      if (state.failures >= MAX_TOOL_FAILURES) return fail(`tool calls failed ${state.failures} times`);
    }
  }
  return fail(`no answer after ${MAX_ROUNDS} rounds`);
}

async function repairMessage(error: string): Promise<string> {
  const p = await loadPrompt("repair");
  return JSON.stringify({ ok: false, error: fill(p.text, { error: error.slice(0, 500) }) });
}

/** Runs one validated tool call; returns the tool message for the model. */
async function runTool(
  env: LlmAgentEnv,
  meta: DatasetMeta | null,
  question: string,
  name: ToolName,
  args: unknown,
  state: TurnState,
): Promise<string> {
  if (name === "search_knowledge") {
    const { query } = args as z.infer<typeof TOOL_ARGS.search_knowledge>;
    const hits = env.knowledge.search(query, 3).filter(isRelevant);
    for (const h of hits) {
      if (!state.passages.some((p) => cite(p.source) === cite(h))) {
        state.passages.push({ source: { file: h.file, heading: h.heading }, text: h.text });
      }
    }
    return JSON.stringify({
      ok: true,
      passages: hits.map((h) => ({ cite: cite(h), heading: h.heading, text: h.text })),
      ...(hits.length ? {} : { note: "The knowledge base does not cover this." }),
    });
  }
  if (!meta) throw new ValidationError("there is no billing data in this session", 422);
  if (name === "draw_chart") {
    const { type } = args as z.infer<typeof TOOL_ARGS.draw_chart>;
    if (!state.steps.length) throw new ValidationError("there is no result to chart yet; run a query first", 422);
    state.chart = { requested: true, type: type ?? state.chart.type };
    return JSON.stringify({ ok: true, note: "The chart will be shown with the answer." });
  }
  if (name === "make_plan") {
    const values = await env.values.get(env.engine, meta);
    const plan = resolveFilterValues(args as QueryPlan, values);
    if (plan.analysis) return await insightTool(env, meta, plan.analysis, plan, normText(question), state);
    const compiled = compilePlan(plan, meta);
    const rs = await env.engine.query(meta.id, compiled.sql);
    const text = renderAnswer(plan, compiled, rs, meta);
    state.sql.push(compiled.sql);
    state.steps.push({ kind: "plan", plan, compiled, rs, text });
    return resultForModel(rs, text);
  }
  if (name === "run_sql") {
    const { sql, purpose } = args as z.infer<typeof TOOL_ARGS.run_sql>;
    const wrapped = await guardSql(env.engine, meta.id, sql);
    const rs = await env.engine.query(meta.id, wrapped);
    const text = rs.rows.length
      ? `${purpose ? `${purpose.replace(/[\r\n]+/g, " ")}: ` : ""}${rs.rows.length} row${
        rs.rows.length === 1 ? "" : "s"
      }.\n\n${markdownTable(rs, meta.currency)}`
      : "The query returned no rows.";
    state.sql.push(wrapped);
    state.steps.push({ kind: "sql", sql: wrapped, rs, text, purpose: purpose ?? "Query result" });
    return resultForModel(rs, text);
  }
  // The analyses: their arguments become a plan like the built-in planner's.
  const values = await env.values.get(env.engine, meta);
  const scope = args as { filters?: QueryPlan["filters"]; basis?: QueryPlan["basis"] };
  const base: QueryPlan = resolveFilterValues({
    ...defaultPlan(meta),
    filters: scope.filters ?? [],
    ...(scope.basis && meta.bases.includes(scope.basis) ? { basis: scope.basis } : {}),
  }, values);
  if (name === "forecast") {
    const { horizon } = args as z.infer<typeof TOOL_ARGS.forecast>;
    return await insightTool(env, meta, "forecast", { ...base, horizon }, "", state);
  }
  if (name === "detect_anomalies") {
    const { range, groupBy } = args as z.infer<typeof TOOL_ARGS.detect_anomalies>;
    const plan = { ...base, groupBy: groupBy ?? [], time: { range: range ?? null, grain: null } };
    return await insightTool(env, meta, "anomalies", plan, "", state);
  }
  const { a, b } = args as z.infer<typeof TOOL_ARGS.explain_change>;
  return await insightTool(env, meta, "drivers", { ...base, compare: { kind: "periods", a, b } }, "", state);
}

async function insightTool(
  env: LlmAgentEnv,
  meta: DatasetMeta,
  analysis: Analysis,
  plan: QueryPlan,
  text: string,
  state: TurnState,
): Promise<string> {
  for (const c of plan.groupBy) {
    if (!knownColumns(meta).has(c)) throw new ValidationError(`Unknown column '${c}'.`, 422);
  }
  const out = await runInsight(analysis, { engine: env.engine, meta, plan, text, notes: [] });
  state.sql.push(...out.sql);
  state.steps.push({ kind: "insight", out, text: out.text });
  return out.result
    ? resultForModel(out.result, out.text, { analysis })
    : JSON.stringify({ ok: true, analysis, answer_draft: out.text });
}

/** The model's final text, checked; the reply assembled from what the tools produced. */
async function finish(turn: Turn, content: string, state: TurnState): Promise<LlmOutcome> {
  const { env, session, meta, question, info } = turn;
  const written = content.trim();
  const last = state.steps.at(-1);
  const searched = info.tools.includes("search_knowledge");
  if (!last && !searched) {
    // No tool ran: only an answer without numbers ("this data has no such column") may stand.
    if (!written || !meta || turn.intent === "knowledge") {
      return { ok: false, reason: "the model answered without calling a tool", info };
    }
    const facts = [question, String(meta.rows), meta.dateRange?.start ?? "", meta.dateRange?.end ?? ""];
    const invented = unsupportedNumbers(written, { results: [], texts: facts });
    if (invented.length) {
      return { ok: false, reason: `the model stated numbers without running a query (${invented.join(", ")})`, info };
    }
  }
  const drafts = state.steps.map((s) => s.text);
  const evidence = {
    results: state.steps.map((s) => (s.kind === "insight" ? s.out.result : s.rs)).filter((r): r is ResultSet => !!r),
    texts: [question, ...drafts, ...state.passages.map((p) => p.text)],
  };
  const rejected = written ? unsupportedNumbers(written, evidence) : [];
  let text: string;
  if (written && !rejected.length) {
    info.narrative = "model";
    text = written;
    // The basis and currency line of our draft travels with the model's words.
    const basisLine = last?.text.split("\n").find((l) => l.startsWith("_Basis:"));
    if (basisLine && !/basis/i.test(text)) text += `\n\n${basisLine}`;
  } else {
    info.narrative = "template";
    if (rejected.length) info.rejected_numbers = rejected;
    text = drafts.length
      ? drafts.join("\n\n")
      : state.passages.map((p) => `**${p.source.heading}**\n\n> ${p.text}`).join("\n\n");
    if (!text) return { ok: false, reason: "the model gave no answer", info };
  }
  const sources = state.passages.map((p) => p.source);
  if (sources.length && !/Sources?:/i.test(text)) {
    text += `\n\nSources: ${sources.map((s) => `\`${cite(s)}\``).join("; ")}`;
  }

  let choice: ChartChoice | null = null;
  if (meta && last) {
    const wants = state.chart.requested || turn.intent === "visualize";
    if (last.kind === "insight") choice = last.out.chart ?? null;
    else if (last.kind === "plan" && (wants || last.plan.time.grain || last.plan.share)) {
      choice = chartForQuery(last.plan, last.compiled, last.rs, meta, state.chart.type);
    } else if (last.kind === "sql" && wants) {
      choice = chartForRows(last.rs, meta, state.chart.type, last.purpose);
    }
  }
  const chart = choice ? await drawChart(env, session, choice) : null;
  if (chart?.note) text += `\n\n_${chart.note}_`;

  const plan = last?.kind === "plan" ? last.plan : last?.kind === "insight" ? last.out.plan : null;
  const result = last ? (last.kind === "insight" ? last.out.result : last.rs) : null;
  const subagent = chart?.chart_url
    ? "visualizer"
    : !last
    ? (searched ? "knowledge" : "data_fetcher")
    : last.kind === "insight"
    ? "insight"
    : "data_fetcher";
  const intent: Intent = !last && searched ? "knowledge" : last?.kind === "insight" ? "insight" : turn.intent;
  const currency = last?.kind === "plan" && last.compiled.byCurrency ? null : meta?.currency ?? null;
  const reply: AgentReply = {
    response: text,
    intent,
    subagent,
    sql: state.sql.length ? state.sql.join(";\n\n") : null,
    result,
    plan,
    chart_url: chart?.chart_url ?? null,
    chart_spec: chart?.chart_spec ?? null,
    planner: "llm",
    ...(plan && meta ? { basis: plan.basis, currency } : {}),
    ...(sources.length ? { sources } : {}),
    llm: info,
  };
  return { ok: true, reply, memory: plan ? { lastPlan: plan } : turn.memory, info };
}
