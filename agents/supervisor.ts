/**
 * The supervisor: classifies a question, routes it to the right agent, and returns one
 * {@link AgentReply}. It owns the flow of one question (see docs/ARCHITECTURE.md).
 * @module
 */
import { type DatasetMeta, INGEST_VERSION } from "../analytics/dataset.ts";
import type { Engine } from "../analytics/engine.ts";
import { EngineError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { getDatasetMeta, streamDatasetBytes } from "../memory/datasets.ts";
import { dismissedIncidents, dismissIncident } from "../memory/dismissals.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { columnLabel, renderAnswer } from "./answer.ts";
import type { ChartRenderer } from "../analytics/charts/renderer.ts";
import { drawChart } from "./draw.ts";
import { reprofileDataset } from "./data_loader.ts";
import { compilePlan } from "./compiler.ts";
import type { ValueIndexCache } from "./context.ts";
import { describeDataset, helpText } from "./describe.ts";
import { classifyIntent } from "./intent.ts";
import { detectAnalysis, type InsightOutput, runInsight } from "./insight/mod.ts";
import { chartForQuery, requestedChart } from "./visualizer.ts";
import {
  defaultPlan,
  type EntityMemory,
  normText,
  type PlanOutcome,
  planQuestion,
  type ValueIndex,
} from "./planner.ts";
import type { AgentReply, Analysis, Intent, Progress, QueryPlan, Reading } from "./types.ts";
import { MAX_PARTS, splitParts } from "./parts.ts";
import { unusedNote } from "./reading.ts";
import { suggestionsFor } from "./planner.ts";
import { answerFromKnowledge, type KnowledgeBase } from "./knowledge.ts";
import {
  asksBudgetStatus,
  budgetStatus,
  newBudget,
  parseBudgetCommand,
  resolveScope,
  scopeColumnFor,
} from "./budgets.ts";
import { type Budget, type BudgetScope, listBudgets, saveBudget } from "../memory/budgets.ts";
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
  /** Smallest anomaly incident reported, in money (ANOMALY_MIN_IMPACT; 1 % of an average day at least). */
  anomalyMinImpact?: number;
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
  await env.engine.ensure(meta, () => Promise.resolve(streamDatasetBytes(env.kv, meta)));
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
  reading?: Reading,
): Promise<SupervisorResult> {
  let out: InsightOutput;
  // The metric layer's measures are for tables; an analysis works on the cost series.
  plan = { ...plan };
  delete plan.metrics;
  delete plan.budget;
  try {
    out = await runInsight(analysis, {
      engine: env.engine,
      meta,
      plan,
      text: normText(question),
      notes,
      dismissed: analysis === "anomalies" ? await dismissedIncidents(env.kv, session.id) : undefined,
      minImpact: env.anomalyMinImpact,
    });
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
      ...(reading ? { reading } : {}),
    }),
    memory: { lastPlan: out.plan, ...(out.incidents?.length ? { incidents: out.incidents } : {}) },
  };
}

/**
 * Answers one question for a session. A question with several parts is answered part by part
 * (each part a follow-up of the one before), and parts past {@link MAX_PARTS} are named.
 */
export async function supervise(
  env: AgentEnv,
  session: SessionRecord,
  question: string,
  memory: EntityMemory | null,
  progress: Progress = () => {},
): Promise<SupervisorResult> {
  const parts = splitParts(question);
  if (parts.length === 1) return await superviseOne(env, session, question, memory, progress);
  let current = memory;
  const answered: { part: string; result: SupervisorResult }[] = [];
  for (const part of parts.slice(0, MAX_PARTS)) {
    const result = await superviseOne(env, session, part, current, progress);
    answered.push({ part, result });
    current = result.memory;
  }
  return { reply: mergeParts(answered, parts.slice(MAX_PARTS)), memory: current };
}

/** One reply for a question answered part by part. */
function mergeParts(answered: { part: string; result: SupervisorResult }[], skipped: string[]): AgentReply {
  const replies = answered.map((a) => a.result.reply);
  const notAnswered = answered.filter((a) => a.result.reply.intent === "out_of_scope").map((a) => a.part);
  const sections = answered.filter((a) => a.result.reply.intent !== "out_of_scope")
    .map((a, i) => `**${i + 1}. ${a.part}**\n\n${a.result.reply.response}`);
  const missed = [...notAnswered, ...skipped];
  if (missed.length) {
    sections.push(
      `**Not answered:** ${missed.map((p) => `"${p}"`).join(", ")}: I could not read ${
        missed.length > 1 ? "these parts" : "this part"
      } as a question about this data. Ask ${missed.length > 1 ? "them" : "it"} on ${
        missed.length > 1 ? "their" : "its"
      } own, in other words.`,
    );
  }
  const main = replies.find((r) => r.intent !== "out_of_scope") ?? replies[0];
  const readings = replies.map((r) => r.reading).filter((r): r is Reading => Boolean(r));
  const sql = replies.map((r) => r.sql).filter(Boolean).join(";\n\n");
  const charted = replies.find((r) => r.chart_url);
  return {
    ...main,
    response: sections.join("\n\n"),
    sql: sql || null,
    result: replies.find((r) => r.result)?.result ?? null,
    chart_url: charted?.chart_url ?? null,
    chart_spec: charted?.chart_spec ?? null,
    plan: [...replies].reverse().find((r) => r.plan)?.plan ?? null,
    reading: {
      text: answered.map((a, i) => `part ${i + 1}: ${replies[i].reading?.text ?? a.part}`).join(" | "),
      parts: readings.flatMap((r) => r.parts),
      unused: [...new Set(readings.flatMap((r) => r.unused))],
    },
  };
}

// "fine", "known" and "ok" dismiss only with a subject ("that one is fine"): a bare "ok" is an
// acknowledgement, not a verdict on an incident.
const EXPECTED =
  /^(?:(?:that(?: one)?|this(?: one)?|it|the (?:first|top) one|number (\d+)|#(\d+))\s*(?:is|was|'s)?\s*(?:expected|planned|fine|known|ok|not an anomaly)|(?:expected|planned|not an anomaly))\b|^(?:dismiss|ignore)\s+(?:that|it|this|the (?:first|top) one|number (\d+)|#(\d+)|(inc-[\w-]+))/i;

/**
 * "That one is expected", "dismiss #2", "dismiss inc-…": stores the dismissal of an incident the
 * last anomaly answer listed, so it is not reported again in this session.
 */
async function dismissFromChat(
  env: AgentEnv,
  session: SessionRecord,
  question: string,
  memory: EntityMemory | null,
): Promise<SupervisorResult | null> {
  const m = question.trim().match(EXPECTED);
  const listed = memory?.incidents ?? [];
  if (!m || (!listed.length && !m[5])) return null;
  const number = Number(m[1] ?? m[2] ?? m[3] ?? m[4] ?? 1);
  const id = m[5] ?? listed[number - 1];
  if (!id) {
    const text = `The last anomaly answer listed ${listed.length} incident${listed.length === 1 ? "" : "s"}; ` +
      `there is no number ${number}.`;
    return { reply: reply("insight", "insight", text), memory };
  }
  await dismissIncident(env.kv, session.id, id);
  const text = `Noted: incident ${id} is expected. It will not be reported again in this session.`;
  return { reply: reply("insight", "insight", text), memory };
}

/**
 * "Set a $40k monthly budget for EC2" stores a budget and answers with where it stands; "are we
 * on track?" answers every budget's status. Null for any other question.
 */
async function budgetsFromChat(
  env: AgentEnv,
  session: SessionRecord,
  question: string,
  memory: EntityMemory | null,
): Promise<SupervisorResult | null> {
  const command = parseBudgetCommand(question);
  const status = !command && asksBudgetStatus(question);
  if (!command && !status) return null;
  const meta = session.datasetId ? await openDataset(env, session.datasetId) : null;
  if (!meta) return null;
  let list: Budget[];
  if (command) {
    const index = command.scope ? await env.values.get(env.engine, meta) : {};
    let scope: BudgetScope | null = null;
    try {
      scope = command.scope ? resolveScope(scopeColumnFor(command.scope, index), command.scope, index) : null;
    } catch (e) {
      // A scope that names nothing (or several things) is said, and no budget is set.
      if (!(e instanceof ValidationError)) throw e;
      return { reply: reply("finops_query", "budgets", `No budget was set. ${e.message}`), memory };
    }
    const budget = newBudget(session.id, command.amount, scope);
    await saveBudget(env.kv, budget);
    list = [budget];
  } else {
    list = await listBudgets(env.kv, session.id);
    // No budget set: the planner answers (against a budget named in the conversation, or asks for one).
    if (!list.length) return null;
  }
  const statuses = await Promise.all(list.map((b) => budgetStatus(env.engine, meta, b)));
  const text = (command ? "Budget saved. It is checked every day; alerts go to the session's webhook.\n\n" : "") +
    statuses.map((s) => s.text).join("\n\n");
  return {
    reply: reply("finops_query", "budgets", text, {
      sql: statuses.flatMap((s) => s.sql).join(";\n\n"),
      basis: statuses[0].basis as AgentReply["basis"],
      currency: statuses[0].currency,
    }),
    memory,
  };
}

/** Answers a question of one part. */
async function superviseOne(
  env: AgentEnv,
  session: SessionRecord,
  question: string,
  memory: EntityMemory | null,
  progress: Progress = () => {},
): Promise<SupervisorResult> {
  const dismissal = await dismissFromChat(env, session, question, memory);
  if (dismissal) return dismissal;
  const budgets = await budgetsFromChat(env, session, question, memory);
  if (budgets) return budgets;
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
  if (own.reply.intent !== "out_of_scope" && !own.reply.reading?.unused.length) return own;
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
    const reading = outcome.reading ?? { text: "", parts: [], unused: [] };
    outcome = { kind: "plan", plan: structuredClone(memory.lastPlan), notes: [], followUp: true, reading };
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
    const reading = outcome.reading;
    if (reading?.unused.length) notes.unshift(unusedNote(reading.unused));
    progress({ step: "analysis", analysis });
    return await insight(env, session, meta, analysis, plan, question, notes, reading);
  }
  if (outcome.kind === "unknown") {
    const text = `${outcome.message}\n\nYou could ask:\n${outcome.suggestions.map((x) => `- ${x}`).join("\n")}`;
    return {
      reply: reply("out_of_scope", "supervisor", text, outcome.reading ? { reading: outcome.reading } : {}),
      memory,
    };
  }
  if (outcome.reading.unused.length && isBare(outcome)) {
    const text = clarifyText(outcome.reading.unused, values, meta);
    return { reply: reply("out_of_scope", "supervisor", text, { reading: outcome.reading }), memory };
  }
  return await runPlan(env, session, meta, question, outcome, intent, progress, memory);
}

/** A plan that is only the default (all cost, all data): nothing of the question was understood. */
function isBare(outcome: Extract<PlanOutcome, { kind: "plan" }>): boolean {
  const p = outcome.plan;
  return !outcome.followUp && !p.groupBy.length && !p.filters.length && !p.time.range && !p.time.grain &&
    !p.topN && !p.metrics?.length && !p.scopes?.length && !p.compare && !p.share && !p.budget &&
    p.measure === "cost" && p.period !== "billing";
}

/** One short clarifying question with suggestions built from the data. */
export function clarifyText(unused: string[], values: ValueIndex, meta: DatasetMeta): string {
  const exact: string[] = [];
  const near: string[] = [];
  for (const word of unused) {
    for (const [column, list] of Object.entries(values)) {
      const label = column.startsWith("tag:") ? `${column.slice(4)} tag` : columnLabel(column);
      for (const { value } of list.slice(0, 300)) {
        const v = value.toLowerCase();
        if (v === word && exact.length < 3) exact.push(`"cost for ${label} ${value}"`);
        else if (near.length < 5 && v.includes(word.slice(0, Math.max(4, word.length - 2)))) {
          near.push(`${value} (${label})`);
        }
      }
    }
  }
  const lines = [
    `I'm not sure what you mean by ${unused.map((w) => `'${w}'`).join(", ")}, so I have not answered rather than ` +
    `answer a different question. Could you say it another way?`,
  ];
  if (exact.length) lines.push("", `If you meant a value of the data, ask for example ${exact.join(" or ")}.`);
  if (near.length) lines.push("", `Values in this data that look close: ${near.join(", ")}.`);
  lines.push("", "You could ask:", ...suggestionsFor(meta).map((x) => `- ${x}`));
  return lines.join("\n");
}

/** Compiles, runs and words a plan; a measure the data cannot support is said plainly. */
async function runPlan(
  env: AgentEnv,
  session: SessionRecord,
  meta: DatasetMeta,
  question: string,
  outcome: Extract<PlanOutcome, { kind: "plan" }>,
  intent: Intent,
  progress: Progress,
  memory: EntityMemory | null,
): Promise<SupervisorResult> {
  const { plan, reading } = outcome;
  let compiled;
  try {
    compiled = compilePlan(plan, meta);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return {
      reply: reply(intent, "data_fetcher", `I can't answer that from this data: ${e.message}`, { reading, plan }),
      memory,
    };
  }
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
          plan,
          reading,
        }),
        memory,
      };
    }
    throw e;
  }
  let text = renderAnswer(plan, compiled, rs, meta, outcome.notes);
  if (reading.unused.length) text = `_${unusedNote(reading.unused)}_\n\n${text}`;
  if (outcome.budgetQuestion) text += `\n\n${outcome.budgetQuestion}`;
  // Charts when asked for, and for trends and shares, where a picture says more than a table;
  // a ranking ("top 5 services") gets horizontal bars, which keep long names readable on a phone.
  let chart: Awaited<ReturnType<typeof drawChart>> | null = null;
  const wanted = intent === "visualize" || Boolean(plan.time.grain) || Boolean(plan.share);
  const ranked = isRanking(plan, rs.rows.length);
  if ((wanted || ranked) && !plan.metrics?.length) {
    const choice = chartForQuery(plan, compiled, rs, meta, requestedChart(question) ?? (wanted ? null : "hbar"));
    if (choice) {
      progress({ step: "chart" });
      chart = await drawChart(env, session, choice);
    } else if (intent === "visualize") {
      text += "\n\n_A single number needs no chart; ask for a breakdown or a trend to draw one._";
    }
  }
  if (chart?.note) text += `\n\n_${chart.note}_`;
  return {
    reply: reply(intent, chart && wanted ? "visualizer" : "data_fetcher", text, {
      chart_url: chart?.chart_url ?? null,
      chart_spec: chart?.chart_spec ?? null,
      sql: compiled.sql,
      result: rs,
      plan,
      basis: plan.basis,
      currency: compiled.byCurrency ? null : meta.currency,
      reading,
    }),
    memory: { lastPlan: plan },
  };
}

/** Whether a plain query's answer is a ranking: one grouping, no time axis, two rows or more. */
function isRanking(plan: QueryPlan, rows: number): boolean {
  return plan.groupBy.length === 1 && !plan.time.grain && !plan.compare && rows >= 2;
}
