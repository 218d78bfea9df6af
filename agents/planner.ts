/**
 * The built-in planner: a question (plus the dataset's vocabulary and the conversation's
 * entity memory) → a {@link QueryPlan}, with no LLM. Pure: all data it needs is passed in.
 *
 * It works in four stages, each a function with its own tests:
 * 1. {@link readSignals}: what the words say (time, basis, measure, ranking, dimensions, values,
 *    metric-layer words), each detector reporting the words it used (agents/signals.ts);
 * 2. {@link resolveFollowUp}: a new question, a follow-up of the remembered plan, or a repeat;
 * 3. {@link buildPlan}: the plan, with its parts in plain words;
 * 4. {@link accountWords}: every content word used, or reported back (agents/reading.ts).
 *
 * @example
 * planQuestion("top 5 services last month", ctx)
 * // → {kind: "plan", plan: {measure: "cost", groupBy: ["ServiceName"], topN: 5, time: {range: {...}}, ...}}
 * @module
 */
import type { CostBasis, DatasetMeta } from "../analytics/dataset.ts";
import type { StoredEntities } from "../memory/entities.ts";
import { analysisWordsIn } from "./analysis_words.ts";
import { ORDINARY_WORDS } from "./lexicon.ts";
import { detectMetricWords, type MetricSignals } from "./metric_words.ts";
import { makeReading, unusedWords } from "./reading.ts";
import {
  detectBasis,
  detectExclusions,
  detectGroupBy,
  detectMeasure,
  detectTopN,
  type Found,
  hasWords,
  headerWords,
  matchValues,
  normText,
  quotedStrings,
  type ValueIndex,
  type ValueMatch,
} from "./signals.ts";
import { describeRange, GRAIN_WORDS, isOneDay, type ParsedTime, parseTime, previousPeriod } from "./time.ts";
import { correctTypos, PLANNER_WORDS } from "./typos.ts";
import type { Grain, Measure, PlanFilter, QueryPlan, Reading, ReadingPart, TimeRange } from "./types.ts";
import { CATEGORY_WORDS, REGION_ALIASES, SERVICE_ALIASES, STOP_WORDS } from "./vocabulary.ts";

export { headerWords, matchValues, MAX_NAMED_VALUE, normText, resolveDimension } from "./signals.ts";
export type { ValueIndex } from "./signals.ts";

/** What the conversation remembers between turns. */
export type EntityMemory = StoredEntities<QueryPlan>;

/** Everything the planner reads. */
export interface PlannerContext {
  meta: DatasetMeta;
  values: ValueIndex;
  memory: EntityMemory | null;
}

/** The planner's answer: a plan, or an honest reason it has none. */
export type PlanOutcome =
  | {
    kind: "plan";
    plan: QueryPlan;
    notes: string[];
    followUp: boolean;
    reading: Reading;
    /** A question to ask back after the answer ("which budget?"). */
    budgetQuestion?: string;
  }
  | { kind: "missing_value"; message: string }
  | { kind: "unknown"; message: string; suggestions: string[]; reading?: Reading };

const COST_SIGNAL =
  /\b(cost|costs|spend|spent|spending|bill|billing|billed|charges?|money|expensive|cheap|price|amount|total|usage|how much|breakdown|top|trend|paid|pay|invoices?|invoiced|amorti[sz]ed|effective|list|savings?|budget|burn|corrections?|commitments?|coverage|utili[sz]ation|tag(?:ged|s)?|untagged|marketplace|how many|number of|count)\b/;
const FRESH = /^(compare|show|list|give|what is|what's|what are|how much|total|which|get|display)\b/;
const ANAPHORA = /\b(that|those|it|them|same|instead|also)\b/;
const FOLLOW_UP =
  /^(what about|how about|and|and for|and in|same for|same but|only|just|now|instead|also|then|ok|okay|what if|for)\b|\b(that|those|it|them|this)\b|\binstead\b/;
const TREND = /\b(trend|trends|over time|history|timeline|time series|evolution|evolve)\b/;
const SHARE = /\b(share|percentage|percent|proportion|distribution|split)\b|%/;
const COMPARE =
  /\b(month over month|mom|period over period|week over week|wow|year over year|yoy|vs\.? (?:the )?(?:previous|last|prior)|compared (?:to|with) (?:the )?(?:previous|last|prior)|change|changed|increase|increased|decrease|decreased|grow|grew|growth|delta|difference)\b/;
/** Words that carry a follow-up's meaning ("what about", "instead", "only") rather than content. */
const FOLLOW_UP_WORDS = /\b(what about|how about|same for|same but|instead|only|just|also|again|as well|too)\b/g;

const vocabularies = new WeakMap<ValueIndex, Set<string>>();

/** The words a question may use for this dataset: the planner's, values', headers', tags' and ordinary words. */
function vocabularyFor(meta: DatasetMeta, values: ValueIndex): Set<string> {
  let v = vocabularies.get(values);
  if (v) return v;
  v = new Set([...PLANNER_WORDS, ...STOP_WORDS, ...ORDINARY_WORDS]);
  const add = (s: string) => normText(s).split(" ").forEach((w) => /^[a-z]{4,}$/.test(w) && v!.add(w));
  for (const list of Object.values(values)) for (const { value } of list.slice(0, 300)) add(value);
  for (const c of meta.columns) add(headerWords(c.name));
  for (const t of meta.tags ?? []) add(t.key);
  for (const a of [...Object.keys(SERVICE_ALIASES), ...Object.keys(REGION_ALIASES)]) add(a);
  vocabularies.set(values, v);
  return v;
}

/** Everything stage 1 read from a question. */
export interface Signals {
  /** The normalised question, typos corrected. */
  text: string;
  /** The same without its time expressions. */
  textNoTime: string;
  anchor: string;
  time: ParsedTime;
  basis: Found<{ basis: CostBasis; explicit: boolean }>;
  measure: Found<Measure | null>;
  top: Found<{ n: number; order: "desc" | "asc" } | null>;
  groupBy: Found<string[]>;
  matches: ValueMatch[];
  exclusions: Found<{ filters: PlanFilter[]; consumed: Set<ValueMatch> }>;
  filters: PlanFilter[];
  /** Charge categories named by a plain word ("tax", "credits"). */
  categoryWords: string[];
  metric: Found<MetricSignals>;
  share: boolean;
  trend: boolean;
  compareWords: boolean;
  /** Whether anything in the question is a cost question at all. */
  any: boolean;
  notes: string[];
  /** A service the user named that the data does not have. */
  missingService: string | null;
}

/** Stage 1: reads the signals of a question. */
export function readSignals(question: string, ctx: PlannerContext): Signals {
  const { meta, values } = ctx;
  const asked = normText(question);
  const text = correctTypos(asked, vocabularyFor(meta, values));
  // A corrected word is said, so a word read as another ("pipeline" as "timeline") is never silent.
  const notes = typoNotes(asked, text);
  const anchor = meta.dateRange?.end ?? new Date().toISOString().slice(0, 10);
  const time = parseTime(text, anchor);
  let textNoTime = text;
  for (const sp of time.spans) textNoTime = textNoTime.replace(normText(sp), " ");
  const metric = detectMetricWords(textNoTime, meta);
  const categoryWords = meta.canonical.includes("ChargeCategory")
    ? CATEGORY_WORDS.filter(([re]) => re.test(textNoTime)).map(([, cat]) => cat.toLowerCase())
    : [];
  // "tax" names the Tax charge category; a service that happens to be called "Tax" is the same thing.
  const matches = matchValues(textNoTime, values, quotedStrings(question)).filter((m) =>
    !categoryWords.some((c) => m.span === c || m.span === c + "s" || m.span === c + "es")
  );
  const exclusions = detectExclusions(textNoTime, meta, values, matches);
  const filters = valueFilters(matches, exclusions.value);
  const categories = categoryFilters(textNoTime, ctx, exclusions.value.filters.length > 0, metric.value);
  filters.push(...categories.value);
  const basis = detectBasis(text, meta, notes);
  const measure = detectMeasure(text, meta);
  const top = detectTopN(textNoTime);
  const groupBy = detectGroupBy(textNoTime, meta);
  const share = SHARE.test(textNoTime);
  const trend = time.grain !== null || TREND.test(text);
  const compareWords = COMPARE.test(text);
  const any = Boolean(
    COST_SIGNAL.test(text) || measure.value || top.value || groupBy.value.length || filters.length || time.range ||
      trend || compareWords || metric.value.metrics.length || metric.value.scopes.length,
  );
  return {
    text,
    textNoTime,
    anchor,
    time,
    basis,
    measure,
    top,
    groupBy,
    matches,
    exclusions,
    filters,
    categoryWords: categories.used,
    metric,
    share,
    trend,
    compareWords,
    any,
    notes,
    missingService: missingService(textNoTime, matches, values),
  };
}

/** "I read 'regoin' as 'region'." for each word typo correction changed. */
function typoNotes(asked: string, corrected: string): string[] {
  const before = asked.split(" ");
  const after = corrected.split(" ");
  if (before.length !== after.length) return [];
  const changed = [...new Set(before.map((w, i) => (w !== after[i] ? `'${w}' as '${after[i]}'` : "")).filter(Boolean))];
  return changed.length ? [`I read ${changed.join(", ")} (a typo?).`] : [];
}

function valueFilters(
  matches: ValueMatch[],
  excl: { filters: PlanFilter[]; consumed: Set<ValueMatch> },
): PlanFilter[] {
  const filters: PlanFilter[] = structuredClone(excl.filters);
  for (const m of matches) {
    if (excl.consumed.has(m)) continue;
    const f = filters.find((x) => x.column === m.column && x.op === "in");
    if (f) {
      if (!f.values.includes(m.value)) f.values.push(m.value);
    } else filters.push({ column: m.column, op: "in", values: [m.value] });
  }
  return filters;
}

/** "how much tax", "credits in March": a charge category named without "exclude". */
function categoryFilters(
  t: string,
  ctx: PlannerContext,
  excluded: boolean,
  metric: MetricSignals,
): Found<PlanFilter[]> {
  const out: PlanFilter[] = [];
  const used: string[] = [];
  if (!ctx.meta.canonical.includes("ChargeCategory") || excluded) return { value: out, used };
  // A commitment purchase or recurring fee is a named filter of its own; "purchase" is part of it.
  const commitmentScope = metric.scopes.some((s) => s.startsWith("commitment") || s.startsWith("recurring"));
  for (const [re, cat] of CATEGORY_WORDS) {
    const hit = t.match(re);
    if (!hit || (cat === "Purchase" && commitmentScope)) continue;
    if (cat === "Credit" && /\bdiscounts?\b/.test(hit[0]) && metric.metrics.length) continue;
    if ((ctx.values.ChargeCategory ?? []).some((v) => v.value.toLowerCase() === cat.toLowerCase())) {
      out.push({ column: "ChargeCategory", op: "in", values: [cat] });
      used.push(hit[0]);
    }
  }
  return { value: out, used };
}

/** A well-known service the user names that the data does not have ("ec2" in an Azure-only file). */
function missingService(t: string, matches: ValueMatch[], values: ValueIndex): string | null {
  const serviceIndex = values.ServiceName ?? [];
  if (!serviceIndex.length) return null;
  for (const alias of Object.keys(SERVICE_ALIASES)) {
    if (!hasWords(t, alias)) continue;
    // Covered when a matched service's words include it: "Amazon EC2" named in full.
    if (!matches.some((m) => m.column === "ServiceName" && hasWords(m.span, alias))) return alias;
  }
  return null;
}

/** How a question relates to the remembered plan. */
export type FollowUpMode = "fresh" | "follow_up" | "repeat";

/** Stage 2: a new question, a follow-up that changes what it names, or the previous one again. */
export function resolveFollowUp(sig: Signals, memory: EntityMemory | null): FollowUpMode {
  const last = memory?.lastPlan ?? null;
  if (!last) return "fresh";
  const t = sig.text;
  const own = Boolean(sig.measure.value || sig.top.value || sig.groupBy.value.length || sig.trend || sig.share) ||
    sig.metric.value.metrics.length > 0;
  const fresh = FRESH.test(t) && !ANAPHORA.test(t);
  const changes = sig.filters.length > 0 || sig.time.range !== null || sig.groupBy.value.length > 0 ||
    sig.top.value !== null || sig.basis.value.explicit || sig.trend || sig.share ||
    sig.exclusions.value.filters.length > 0 || sig.metric.value.scopes.length > 0;
  if (!fresh && (FOLLOW_UP.test(t) || (!COST_SIGNAL.test(t) && !own)) && changes) return "follow_up";
  // "show me a chart of that", "that again": the previous question as it was.
  if (ANAPHORA.test(t) && !sig.any) return "repeat";
  return "fresh";
}

/** Plans one question. */
export function planQuestion(question: string, ctx: PlannerContext): PlanOutcome {
  const sig = readSignals(question, ctx);
  if (sig.missingService) return { kind: "missing_value", message: missingServiceMessage(sig.missingService, ctx) };
  const mode = resolveFollowUp(sig, ctx.memory);
  const last = ctx.memory?.lastPlan ?? null;
  if (mode === "repeat" && last) {
    return {
      kind: "plan",
      plan: structuredClone(last),
      notes: sig.notes,
      followUp: true,
      reading: accountWords(sig, [{ part: "the previous question again", from: "" }], []),
    };
  }
  if (!sig.any && mode === "fresh") {
    const reading = accountWords(sig, [], []);
    return {
      kind: "unknown",
      message: "I can't answer that yet: I didn't find a cost question in it.",
      suggestions: suggestionsFor(ctx.meta),
      reading,
    };
  }
  const built = buildPlan(sig, mode === "follow_up" ? last : null, ctx.meta);
  const askBudget = sig.metric.value.budgetWithoutAmount && !built.plan.budget;
  return {
    kind: "plan",
    plan: built.plan,
    notes: [...sig.notes, ...built.notes],
    followUp: mode === "follow_up",
    reading: accountWords(sig, built.parts, built.used),
    ...(askBudget
      ? {
        budgetQuestion: "I don't know your budget: the data has no budget in it. Tell me the amount " +
          `("are we over a $5,000 budget this month?") and I will compare it with the figure above, or set one ` +
          `to track against the month's forecast ("set a $5,000 monthly budget").`,
      }
      : {}),
  };
}

function missingServiceMessage(alias: string, ctx: PlannerContext): string {
  const serviceIndex = ctx.values.ServiceName ?? [];
  const known = serviceIndex.slice(0, 12).map((v) => v.value);
  return `There is no '${alias}' in this data. The services are: ${known.join(", ")}${
    serviceIndex.length > 12 ? `, and ${serviceIndex.length - 12} more` : ""
  }.`;
}

/** What stage 3 built. */
interface Built {
  plan: QueryPlan;
  notes: string[];
  parts: ReadingPart[];
  /** Words used by the building itself (defaults it explained, follow-up words). */
  used: string[];
}

/** Stage 3: the plan, fresh or from the remembered one, with its parts in plain words. */
export function buildPlan(sig: Signals, last: QueryPlan | null, meta: DatasetMeta): Built {
  const notes: string[] = [];
  const plan = last ? followUpPlan(sig, last, meta) : freshPlan(sig, meta, notes);
  applyMetricSignals(plan, sig.metric.value, sig.basis.value.explicit, meta);
  sideBySideValues(plan);
  readAmbiguousWords(sig, notes);
  applyComparison(plan, sig, meta);
  if (plan.measure === "avg_daily_cost") {
    plan.time.grain = null;
    if (plan.compare) {
      plan.time.range = plan.compare.b;
      delete plan.compare;
    }
  }
  const used = [...(sig.text.match(FOLLOW_UP_WORDS) ?? [])];
  return { plan, notes, parts: describeParts(plan, sig, Boolean(last)), used };
}

function freshPlan(sig: Signals, meta: DatasetMeta, notes: string[]): QueryPlan {
  const top = sig.top.value;
  const plan: QueryPlan = {
    measure: sig.measure.value ?? "cost",
    basis: sig.basis.value.basis,
    groupBy: [...sig.groupBy.value],
    filters: structuredClone(sig.filters),
    time: {
      range: sig.time.range,
      grain: sig.trend ? sig.time.grain ?? defaultGrain(sig.time.range, meta) : null,
    },
    topN: top?.n ?? null,
    order: top?.order ?? "desc",
  };
  if (sig.share) {
    plan.share = true;
    // A share of named values is their share of the whole ("what share is EC2?"); otherwise a breakdown.
    if (!plan.groupBy.length && !plan.filters.length && meta.canonical.includes("ServiceName")) {
      plan.groupBy = ["ServiceName"];
    }
  }
  if (top && !plan.groupBy.length && meta.canonical.includes("ServiceName")) {
    notes.push("No dimension named: ranking by service.");
    plan.groupBy = ["ServiceName"];
  }
  return plan;
}

function followUpPlan(sig: Signals, last: QueryPlan, meta: DatasetMeta): QueryPlan {
  const plan = structuredClone(last);
  // A drivers analysis keeps its two periods unless the follow-up names new ones.
  if (!(last.analysis === "drivers" && !sig.time.range)) delete plan.compare;
  if (sig.basis.value.explicit) plan.basis = sig.basis.value.basis;
  if (sig.measure.value) plan.measure = sig.measure.value;
  for (const f of sig.filters) {
    // A new value for a column replaces the old one ("what about S3?"); "only X" narrows the same way.
    plan.filters = plan.filters.filter((x) => !(x.column === f.column && x.op === f.op));
    plan.filters.push(f);
    plan.groupBy = plan.groupBy.filter((g) => !(g === f.column && f.op === "in" && f.values.length === 1));
  }
  if (sig.time.range) plan.time.range = sig.time.range;
  // A new analysis ("any unusual spikes for S3?") does not inherit the single day of the last one.
  if (!sig.time.range && isOneDay(last.time.range) && analysisWordsIn(sig.text).length) plan.time.range = null;
  if (/\b(all time|all data|whole period|entire period|everything)\b/.test(sig.text)) plan.time.range = null;
  if (sig.groupBy.value.length) plan.groupBy = [...sig.groupBy.value];
  if (sig.top.value) {
    plan.topN = sig.top.value.n;
    plan.order = sig.top.value.order;
  }
  if (sig.trend) plan.time.grain = sig.time.grain ?? plan.time.grain ?? defaultGrain(plan.time.range, meta);
  if (sig.share) plan.share = true;
  return plan;
}

/** The metric layer's words: measures, named filters, billing period, budget. */
function applyMetricSignals(plan: QueryPlan, m: MetricSignals, basisExplicit: boolean, meta: DatasetMeta): void {
  if (m.metrics.length) plan.metrics = [...m.metrics];
  if (m.scopes.length) plan.scopes = [...new Set([...(plan.scopes ?? []), ...m.scopes])];
  if (m.basis && !basisExplicit && meta.bases.includes(m.basis)) plan.basis = m.basis;
  if (m.period) plan.period = m.period;
  if (m.grain && !plan.time.grain) plan.time.grain = m.grain;
  if (m.budget) plan.budget = { amount: m.budget };
  // A default grouping the metric implies, when the data has it as a column (a CUR derives its
  // commitment fields, so its unused commitment is one figure).
  const plain = (g: string) => g.startsWith("@") || meta.columns.some((c) => c.name === g);
  for (const g of m.groupBy) if (!plan.groupBy.length && plain(g)) plan.groupBy = [g];
  // Cost per unit means nothing across units: one line per unit.
  if (plan.metrics?.some((x) => x === "cost_per_unit" || x === "consumed_quantity")) {
    if (!plan.groupBy.includes("ConsumedUnit")) plan.groupBy = [...plan.groupBy.slice(0, 2), "ConsumedUnit"];
  }
}

/** Several values of one column and no breakdown asked for: show them side by side. */
function sideBySideValues(plan: QueryPlan): void {
  if (plan.groupBy.length || plan.time.grain) return;
  const multi = plan.filters.find((f) => f.op === "in" && f.values.length > 1);
  if (multi) plan.groupBy = [multi.column];
}

/** A single word that named several values: say how it was read. */
function readAmbiguousWords(sig: Signals, notes: string[]): void {
  for (const m of sig.matches) {
    const same = sig.matches.filter((x) => x.span === m.span && x.column === m.column);
    if (same.length > 1 && same[0] === m && m.strength < 2) {
      notes.push(`I read '${m.span}' as: ${same.map((x) => x.value).join(", ")}.`);
    }
  }
}

/** Two periods named, or a change asked for: compare. */
function applyComparison(plan: QueryPlan, sig: Signals, meta: DatasetMeta): void {
  const { time, text, anchor } = sig;
  if (time.range && time.second) {
    plan.compare = { kind: "periods", a: time.range, b: time.second };
    plan.time = { range: null, grain: null };
  } else if (sig.compareWords && !sig.trend && !plan.metrics?.length) {
    const weekly = /\b(week over week|wow)\b/.test(text);
    const yearly = /\b(year over year|yoy)\b/.test(text);
    const b = plan.time.range ?? (weekly ? parseTime("last week", anchor).range : latestCompleteMonth(meta));
    if (b) {
      const a = yearly ? sameRangeYearBefore(b) : previousPeriod(b);
      plan.compare = { kind: "periods", a, b };
      plan.time = { range: null, grain: null };
    }
  }
}

function defaultGrain(range: TimeRange | null, meta: DatasetMeta): Grain {
  const start = range?.start ?? meta.dateRange?.start;
  const end = range?.end ?? meta.dateRange?.end;
  if (!start || !end) return "month";
  const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
  return days <= 62 ? "day" : days <= 400 ? "month" : "quarter";
}

/** The plan's parts in plain words, each with the words of the question it came from. */
function describeParts(plan: QueryPlan, sig: Signals, followUp: boolean): ReadingPart[] {
  const parts: ReadingPart[] = [];
  const from = (words: string[]) => words.filter(Boolean).join(", ");
  if (followUp) parts.push({ part: "a follow-up of the previous question", from: "" });
  const measure = plan.metrics?.length
    ? plan.metrics.join(", ").replaceAll("_", " ")
    : `${plan.measure === "cost" ? `${plan.basis} cost` : plan.measure.replaceAll("_", " ")}`;
  parts.push({ part: measure, from: from([...sig.metric.used, ...sig.basis.used, ...sig.measure.used]) });
  for (const f of plan.filters) {
    const spans = sig.matches.filter((m) => m.column === f.column && f.values.includes(m.value)).map((m) => m.span);
    parts.push({
      part: `${f.op === "in" ? "only" : "excluding"} ${f.column} ${f.values.join(", ")}`,
      from: from([...new Set(spans)]) || from(sig.categoryWords),
    });
  }
  for (const s of plan.scopes ?? []) {
    parts.push({ part: `only ${s.replaceAll("_", " ")}`, from: from(sig.metric.used) });
  }
  if (plan.groupBy.length) parts.push({ part: `grouped by ${plan.groupBy.join(", ")}`, from: from(sig.groupBy.used) });
  if (plan.time.range) {
    parts.push({ part: `${describeRange(plan.time.range)}`, from: from(sig.time.spans) });
  } else if (!plan.compare) parts.push({ part: "all dates in the data", from: "" });
  if (plan.period === "billing") parts.push({ part: "by billing period", from: from(sig.metric.used) });
  if (plan.time.grain) parts.push({ part: `per ${plan.time.grain}`, from: "" });
  if (plan.topN) {
    parts.push({ part: `${plan.order === "asc" ? "bottom" : "top"} ${plan.topN}`, from: from(sig.top.used) });
  }
  if (plan.share) parts.push({ part: "with shares of the total", from: "" });
  if (plan.compare) {
    parts.push({
      part: `${describeRange(plan.compare.a)} vs ${describeRange(plan.compare.b)}`,
      from: from(sig.time.spans),
    });
  }
  if (plan.budget) parts.push({ part: `against a budget of ${plan.budget.amount}`, from: "" });
  return parts;
}

/** Stage 4: every content word used by some part, or reported as unused. */
export function accountWords(sig: Signals, parts: ReadingPart[], extra: string[]): Reading {
  const used = [
    ...sig.time.spans,
    ...GRAIN_WORDS.flatMap(([re]) => sig.text.match(re)?.[0] ?? []),
    ...sig.basis.used,
    ...sig.measure.used,
    ...sig.top.used,
    ...sig.groupBy.used,
    ...sig.matches.flatMap((m) => [m.span, m.evidence ?? ""]),
    ...sig.exclusions.used,
    ...sig.categoryWords,
    ...sig.metric.used,
    ...(sig.text.match(new RegExp(TREND.source, "g")) ?? []),
    ...(sig.text.match(new RegExp(SHARE.source, "g")) ?? []),
    ...(sig.text.match(new RegExp(COMPARE.source, "g")) ?? []),
    ...analysisWordsIn(sig.text),
    ...extra,
  ];
  return makeReading(parts, unusedWords(sig.text, used));
}

/** The same dates one year earlier. */
function sameRangeYearBefore(r: TimeRange): TimeRange {
  const shift = (d: string) => `${Number(d.slice(0, 4)) - 1}${d.slice(4)}`;
  return {
    start: shift(r.start),
    end: shift(r.end),
    label: r.label.replace(/\b(\d{4})\b/g, (y) => String(Number(y) - 1)),
  };
}

/** The latest calendar month the data covers (complete or not), as a range. */
export function latestCompleteMonth(meta: DatasetMeta): TimeRange | null {
  if (!meta.dateRange) return null;
  return parseTime("last month", meta.dateRange.end).range;
}

/** Example questions that work on this dataset. */
export function suggestionsFor(meta: DatasetMeta): string[] {
  const s = ["What is the total cost?"];
  if (meta.canonical.includes("ServiceName")) s.push("Top 5 services by cost");
  s.push("Cost per month");
  if (meta.canonical.includes("RegionName")) s.push("Cost by region last month");
  if (meta.canonical.includes("SubAccountName")) s.push("Which accounts cost the most?");
  s.push("What columns are there?");
  return s;
}

/** The plan of an analysis question that names no filter or period: all cost, default basis. */
export function defaultPlan(meta: DatasetMeta): QueryPlan {
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
