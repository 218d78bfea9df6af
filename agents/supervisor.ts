/**
 * The supervisor: classifies a question, routes it to the right agent, and returns one
 * {@link AgentReply}. It owns the flow of one question (see docs/ARCHITECTURE.md).
 * @module
 */
import { type DatasetMeta, INGEST_VERSION } from "../analytics/dataset.ts";
import type { Engine } from "../analytics/engine.ts";
import { EngineError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { getDatasetMeta, readDatasetBytes } from "../memory/datasets.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { renderAnswer } from "./answer.ts";
import type { ChartRenderer } from "../analytics/charts/renderer.ts";
import { drawChart } from "./draw.ts";
import { reprofileDataset } from "./data_loader.ts";
import { compilePlan } from "./compiler.ts";
import type { ValueIndexCache } from "./context.ts";
import { describeDataset, helpText } from "./describe.ts";
import { classifyIntent } from "./intent.ts";
import { detectAnalysis, type InsightOutput, runInsight } from "./insight/mod.ts";
import { chartForQuery, requestedChart } from "./visualizer.ts";
import { defaultPlan, type EntityMemory, normText, planQuestion } from "./planner.ts";
import type { AgentReply, Analysis, Intent, Progress, QueryPlan } from "./types.ts";
import { answerFromKnowledge, type KnowledgeBase } from "./knowledge.ts";
import { answerWithLlm, type LlmSettings } from "./llm/agent.ts";

/** What the agents need from the outside world, passed in (never global). */
export interface AgentEnv {
  kv: Deno.Kv;
  engine: Engine;
  values: ValueIndexCache;
  knowledge: KnowledgeBase;
  /** The optional LLM (null: no `GROQ_API_KEY`, the built-in planner answers everything). */
  llm?: LlmSettings | null;
  log?: Logger;
  /** Draws charts off the request thread. */
  charts: ChartRenderer;
}

/** A reply plus the entity memory to store for the next turn. */
export interface SupervisorResult {
  reply: AgentReply;
  memory: EntityMemory | null;
}

/**
 * Reads a dataset's record and makes sure the engine has it loaded. A record written by an
 * older ingest is profiled again from the stored bytes first.
 */
export async function openDataset(env: AgentEnv, datasetId: string): Promise<DatasetMeta> {
  let meta = await getDatasetMeta(env.kv, datasetId);
  if ((meta.version ?? 1) < INGEST_VERSION) meta = await reprofileDataset(env, meta);
  await env.engine.ensure(meta, () => readDatasetBytes(env.kv, meta));
  return meta;
}

function reply(intent: Intent, subagent: string, response: string, extra: Partial<AgentReply> = {}): AgentReply {
  return {
    response,
    intent,
    subagent,
    sql: null,
    result: null,
    plan: null,
    chart_url: null,
    planner: "builtin",
    ...extra,
  };
}

async function insight(
  env: AgentEnv,
  session: SessionRecord,
  meta: DatasetMeta,
  analysis: Analysis,
  plan: QueryPlan,
  question: string,
  notes: string[],
): Promise<SupervisorResult> {
  let out: InsightOutput;
  try {
    out = await runInsight(analysis, { engine: env.engine, meta, plan, text: normText(question), notes });
  } catch (e) {
    if (e instanceof EngineError) {
      return {
        reply: reply("insight", "insight", `I couldn't run the analysis (${e.message}). Try rephrasing it.`, { plan }),
        memory: { lastPlan: plan },
      };
    }
    throw e;
  }
  const chart = out.chart ? await drawChart(env, session, out.chart) : null;
  return {
    reply: reply("insight", "insight", chart?.note ? `${out.text}\n\n_${chart.note}_` : out.text, {
      chart_url: chart?.chart_url ?? null,
      chart_spec: chart?.chart_spec ?? null,
      sql: out.sql.length ? out.sql.join(";\n\n") : null,
      result: out.result,
      plan: out.plan,
      basis: out.plan.basis,
      currency: meta.currency,
    }),
    memory: { lastPlan: out.plan },
  };
}

/** Answers one question for a session. */
export async function supervise(
  env: AgentEnv,
  session: SessionRecord,
  question: string,
  memory: EntityMemory | null,
  progress: Progress = () => {},
): Promise<SupervisorResult> {
  const intent = classifyIntent(question);
  progress({ step: "understood", intent });
  if (intent === "small_talk") {
    const meta = session.datasetId ? await getDatasetMeta(env.kv, session.datasetId).catch(() => null) : null;
    const greet = /thank|thx|cheers/i.test(question) ? "You're welcome." : "Hello! I'm FinOps Agent.";
    return { reply: reply(intent, "small_talk", `${greet} ${helpText(meta)}`), memory };
  }
  const meta = session.datasetId ? await openDataset(env, session.datasetId) : null;
  if (intent === "knowledge") {
    const builtin = () => {
      const k = answerFromKnowledge(question, env.knowledge);
      return { reply: reply(intent, "knowledge", k.text, k.sources.length ? { sources: k.sources } : {}), memory };
    };
    return env.llm ? await viaLlm(env, env.llm, session, meta, question, memory, intent, builtin, progress) : builtin();
  }
  if (!meta) {
    return {
      reply: reply(intent, "supervisor", "There is no billing data in this session yet. " + helpText(null)),
      memory,
    };
  }
  if (intent === "schema") {
    const help = /what can you do|help|what questions/i.test(question);
    return {
      reply: reply(intent, "schema", help ? helpText(meta) : `${describeDataset(meta)}\n\n${helpText(meta)}`),
      memory,
    };
  }
  const builtin = () => answerData(env, session, meta, question, memory, intent, progress);
  if (!env.llm) return await builtin();
  if (env.llm.mode === "always") {
    return await viaLlm(env, env.llm, session, meta, question, memory, intent, builtin, progress);
  }
  // "auto": the rules answer what they can; the model gets what they cannot.
  const own = await builtin();
  if (own.reply.intent !== "out_of_scope") return own;
  return await viaLlm(env, env.llm, session, meta, question, memory, intent, () => own, progress);
}

/**
 * Asks the LLM; when it cannot answer (no budget, timeout, rate limit, invalid or rejected
 * output), the built-in answer is returned with the reason in `llm.fallback`.
 */
async function viaLlm(
  env: AgentEnv,
  llm: LlmSettings,
  session: SessionRecord,
  meta: DatasetMeta | null,
  question: string,
  memory: EntityMemory | null,
  intent: Intent,
  builtin: () => SupervisorResult | Promise<SupervisorResult>,
  progress: Progress,
): Promise<SupervisorResult> {
  const out = await answerWithLlm(env, llm, session, meta, question, { memory, intent, progress });
  if (out.ok) return { reply: out.reply, memory: out.memory };
  env.log?.log("warn", "llm fallback", { session_id: session.id, reason: out.reason, tools: out.info.tools });
  const own = await builtin();
  return { ...own, reply: { ...own.reply, llm: { ...out.info, fallback: out.reason } } };
}

/** The built-in planner's answer to a data question. */
async function answerData(
  env: AgentEnv,
  session: SessionRecord,
  meta: DatasetMeta,
  question: string,
  memory: EntityMemory | null,
  intent: Intent,
  progress: Progress,
): Promise<SupervisorResult> {
  const values = await env.values.get(env.engine, meta);
  let outcome = planQuestion(question, { meta, values, memory });
  // "as a pie", "make it horizontal bars": a chart request about the previous answer.
  if (intent === "visualize" && outcome.kind === "unknown" && memory?.lastPlan) {
    outcome = { kind: "plan", plan: structuredClone(memory.lastPlan), notes: [], followUp: true };
  }
  if (outcome.kind === "missing_value") {
    return { reply: reply(intent, intent === "insight" ? "insight" : "data_fetcher", outcome.message), memory };
  }
  // An analysis asked for, or a follow-up of one ("what about S3?" after a forecast).
  const analysis = intent === "insight"
    ? detectAnalysis(normText(question), outcome.kind === "plan" ? outcome.plan : null)
    : outcome.kind === "plan" && outcome.followUp
    ? outcome.plan.analysis ?? null
    : null;
  if (analysis) {
    const plan = outcome.kind === "plan" ? outcome.plan : defaultPlan(meta);
    const notes = outcome.kind === "plan" ? [...outcome.notes] : [];
    progress({ step: "analysis", analysis });
    return await insight(env, session, meta, analysis, plan, question, notes);
  }
  if (outcome.kind === "unknown") {
    const text = `${outcome.message}\n\nYou could ask:\n${outcome.suggestions.map((s) => `- ${s}`).join("\n")}`;
    return { reply: reply("out_of_scope", "supervisor", text), memory };
  }
  const compiled = compilePlan(outcome.plan, meta);
  progress({ step: "sql", sql: compiled.sql });
  let rs;
  try {
    rs = await env.engine.query(meta.id, compiled.sql);
    progress({ step: "rows", rows: rs.rows.length });
  } catch (e) {
    if (e instanceof EngineError) {
      return {
        reply: reply(intent, "data_fetcher", `I couldn't run the query for that (${e.message}). Try rephrasing it.`, {
          sql: compiled.sql,
          plan: outcome.plan,
        }),
        memory,
      };
    }
    throw e;
  }
  let text = renderAnswer(outcome.plan, compiled, rs, meta, outcome.notes);
  // Charts when asked for, and for trends and shares, where a picture says more than a table.
  let chart: Awaited<ReturnType<typeof drawChart>> | null = null;
  if (intent === "visualize" || outcome.plan.time.grain || outcome.plan.share) {
    const choice = chartForQuery(outcome.plan, compiled, rs, meta, requestedChart(question));
    if (choice) {
      progress({ step: "chart" });
      chart = await drawChart(env, session, choice);
    } else if (intent === "visualize") {
      text += "\n\n_A single number needs no chart; ask for a breakdown or a trend to draw one._";
    }
  }
  if (chart?.note) text += `\n\n_${chart.note}_`;
  return {
    reply: reply(intent, chart ? "visualizer" : "data_fetcher", text, {
      chart_url: chart?.chart_url ?? null,
      chart_spec: chart?.chart_spec ?? null,
      sql: compiled.sql,
      result: rs,
      plan: outcome.plan,
      basis: outcome.plan.basis,
      currency: compiled.byCurrency ? null : meta.currency,
    }),
    memory: { lastPlan: outcome.plan },
  };
}
