/**
 * The supervisor: classifies a question, routes it to the right agent, and returns one
 * {@link AgentReply}. It owns the flow of one question (see docs/ARCHITECTURE.md).
 * @module
 */
import { type DatasetMeta, INGEST_VERSION } from "../analytics/dataset.ts";
import type { Engine } from "../analytics/engine.ts";
import { EngineError } from "../errors.ts";
import { getDatasetMeta, readDatasetBytes } from "../memory/datasets.ts";
import type { SessionRecord } from "../memory/sessions.ts";
import { renderAnswer } from "./answer.ts";
import { reprofileDataset } from "./data_loader.ts";
import { compilePlan } from "./compiler.ts";
import type { ValueIndexCache } from "./context.ts";
import { describeDataset, helpText } from "./describe.ts";
import { classifyIntent } from "./intent.ts";
import { detectAnalysis, type InsightOutput, runInsight } from "./insight/mod.ts";
import { type EntityMemory, normText, planQuestion } from "./planner.ts";
import type { AgentReply, Analysis, Intent, QueryPlan } from "./types.ts";

/** What the agents need from the outside world, passed in (never global). */
export interface AgentEnv {
  kv: Deno.Kv;
  engine: Engine;
  values: ValueIndexCache;
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

const NOT_YET: Partial<Record<Intent, string>> = {
  knowledge: "I don't have a FinOps knowledge base in this version yet, so I won't answer from memory. " +
    "I can answer questions about the numbers in your data.",
};

/** The plan of an analysis question that names no filter or period: all cost, default basis. */
function basePlan(meta: DatasetMeta): QueryPlan {
  return {
    measure: "cost",
    basis: meta.bases.includes("effective") ? "effective" : "billed",
    groupBy: [],
    filters: [],
    time: { range: null, grain: null },
    topN: null,
    order: "desc",
  };
}

async function insight(
  env: AgentEnv,
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
  return {
    reply: reply("insight", "insight", out.text, {
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
): Promise<SupervisorResult> {
  const intent = classifyIntent(question);
  if (intent === "small_talk") {
    const meta = session.datasetId ? await getDatasetMeta(env.kv, session.datasetId).catch(() => null) : null;
    const greet = /thank|thx|cheers/i.test(question) ? "You're welcome." : "Hello! I'm FinOps Agent.";
    return { reply: reply(intent, "small_talk", `${greet} ${helpText(meta)}`), memory };
  }
  if (!session.datasetId) {
    return {
      reply: reply(intent, "supervisor", "There is no billing data in this session yet. " + helpText(null)),
      memory,
    };
  }
  const meta = await openDataset(env, session.datasetId);
  if (intent === "schema") {
    const help = /what can you do|help|what questions/i.test(question);
    return {
      reply: reply(intent, "schema", help ? helpText(meta) : `${describeDataset(meta)}\n\n${helpText(meta)}`),
      memory,
    };
  }
  if (intent === "knowledge") {
    return { reply: reply(intent, "knowledge", NOT_YET[intent]!), memory };
  }

  const values = await env.values.get(env.engine, meta);
  const outcome = planQuestion(question, { meta, values, memory });
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
    const plan = outcome.kind === "plan" ? outcome.plan : basePlan(meta);
    const notes = outcome.kind === "plan" ? [...outcome.notes] : [];
    return await insight(env, meta, analysis, plan, question, notes);
  }
  if (outcome.kind === "unknown") {
    const text = `${outcome.message}\n\nYou could ask:\n${outcome.suggestions.map((s) => `- ${s}`).join("\n")}`;
    return { reply: reply("out_of_scope", "supervisor", text), memory };
  }
  const compiled = compilePlan(outcome.plan, meta);
  let rs;
  try {
    rs = await env.engine.query(meta.id, compiled.sql);
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
  if (intent === "visualize") {
    text += "\n\n_Charts are not available in this version yet; the numbers above are what a chart would show._";
  }
  return {
    reply: reply(intent, "data_fetcher", text, {
      sql: compiled.sql,
      result: rs,
      plan: outcome.plan,
      basis: outcome.plan.basis,
      currency: compiled.byCurrency ? null : meta.currency,
    }),
    memory: { lastPlan: outcome.plan },
  };
}
