/**
 * The built-in planner: a question (plus the dataset's vocabulary and the conversation's
 * entity memory) → a {@link QueryPlan}, with no LLM. Pure: all data it needs is passed in.
 *
 * @example
 * planQuestion("top 5 services last month", ctx)
 * // → {kind: "plan", plan: {measure: "cost", groupBy: ["ServiceName"], topN: 5, time: {range: {...}}, ...}}
 * @module
 */
import type { CanonicalColumn, CostBasis, DatasetMeta } from "../analytics/dataset.ts";
import {
  CATEGORY_WORDS,
  COLUMN_LABELS,
  DIMENSION_SYNONYMS,
  REGION_ALIASES,
  SERVICE_ALIASES,
  STOP_WORDS,
} from "./vocabulary.ts";
import { parseTime, previousPeriod } from "./time.ts";
import { correctTypos, PLANNER_WORDS } from "./typos.ts";
import type { Grain, Measure, PlanFilter, QueryPlan, TimeRange } from "./types.ts";

/** Distinct values per dimension column, most frequent first. */
export type ValueIndex = Record<string, { value: string; n: number }[]>;

/** What the conversation remembers between turns. */
export interface EntityMemory {
  lastPlan: QueryPlan | null;
}

/** Everything the planner reads. */
export interface PlannerContext {
  meta: DatasetMeta;
  values: ValueIndex;
  memory: EntityMemory | null;
}

/** The planner's answer: a plan, or an honest reason it has none. */
export type PlanOutcome =
  | { kind: "plan"; plan: QueryPlan; notes: string[]; followUp: boolean }
  | { kind: "missing_value"; message: string }
  | { kind: "unknown"; message: string; suggestions: string[] };

/** Lower case, punctuation to spaces (keeping `-`, `.`, `/` inside tokens). */
export function normText(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9\-./%]+/g, " ").replace(/\s+/g, " ").trim();
}

function hasWords(text: string, phrase: string): boolean {
  if (!phrase) return false;
  const esc = phrase.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`(^|[^a-z0-9])${esc}($|[^a-z0-9])`).test(text);
}

/** Splits a column header into lower-case words: `lineItem/UsageType` → `line item usage type`. */
export function headerWords(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[^A-Za-z0-9]+/g, " ").toLowerCase().trim();
}

/** Longest value the planner matches against question words. */
export const MAX_NAMED_VALUE = 200;

/** A value found in the question. */
interface ValueMatch {
  column: string;
  value: string;
  span: string;
  strength: number;
}

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twenty: 20,
};

/** Finds values of indexed dimension columns named in the text. */
export function matchValues(text: string, values: ValueIndex): ValueMatch[] {
  const out: ValueMatch[] = [];
  const t = normText(text);
  for (const [column, vals] of Object.entries(values)) {
    if (column === "ChargeCategory") continue; // handled by explicit category words
    const tokenCount = new Map<string, number>();
    for (const { value } of vals) {
      for (const tok of new Set(normText(value).split(" "))) tokenCount.set(tok, (tokenCount.get(tok) ?? 0) + 1);
    }
    for (const { value } of vals) {
      const nv = normText(value);
      // Nobody types a 200-character value; long ones (notes, JSON) are never names to match.
      if (nv.length < 2 || nv.length > MAX_NAMED_VALUE || (/^\d+$/.test(nv) && nv.length < 6)) continue;
      // Generic words ("storage") name a value only when the column is about providers.
      if (hasWords(t, nv) && (!STOP_WORDS.has(nv) || column === "ProviderName")) {
        out.push({ column, value, span: nv, strength: 3 + nv.length / 100 });
        continue;
      }
      if (column === "ServiceName") {
        const alias = Object.entries(SERVICE_ALIASES).find(([a, re]) => hasWords(t, a) && re.test(value));
        if (alias) {
          out.push({ column, value, span: alias[0], strength: 2.5 });
          continue;
        }
      }
      if (/region/i.test(column)) {
        const alias = Object.entries(REGION_ALIASES).find(([a, re]) => hasWords(t, a) && re.test(value));
        if (alias) {
          out.push({ column, value, span: alias[0], strength: 2.4 });
          continue;
        }
      }
      // A distinctive word of the value ("kubernetes", "oregon") names it when few values share it.
      const tok = nv.split(" ").find((w) =>
        w.length >= 4 && !STOP_WORDS.has(w) && !/^\d+$/.test(w) && (tokenCount.get(w) ?? 0) <= 2 && hasWords(t, w)
      );
      if (tok) out.push({ column, value, span: tok, strength: 1 });
    }
  }
  // Keep the strongest reading of each span; a span inside a longer matched span yields to it.
  // Canonical columns first among equals: "ireland" is RegionName, not also RegionId.
  const rank = (c: string) => (c in COLUMN_LABELS ? 0 : 1);
  out.sort((a, b) => b.strength - a.strength || b.span.length - a.span.length || rank(a.column) - rank(b.column));
  const kept: ValueMatch[] = [];
  for (const m of out) {
    const shadowed = kept.some((k) =>
      (k.span !== m.span && k.span.includes(m.span)) || (k.span === m.span && k.column !== m.column)
    );
    if (!shadowed) kept.push(m);
  }
  return kept;
}

/** Resolves dimension words ("region", "usage type", "resource group") to a column of the dataset. */
export function resolveDimension(phrase: string, meta: DatasetMeta): string | null {
  const p = normText(phrase);
  const has = (c: string) => meta.canonical.includes(c as CanonicalColumn);
  const tagKeys = has("Tags") ? (meta.tags ?? []).map((t) => ({ key: t.key, words: normText(t.key) })) : [];
  // "team tag", "tag team", "tag:team", "env label"
  for (const t of tagKeys) {
    if (
      p.startsWith(`${t.words} tag`) || p.startsWith(`tag ${t.words}`) || p.startsWith(`tag:${t.words}`) ||
      p.startsWith(`${t.words} label`) || p.startsWith(`label ${t.words}`)
    ) return `tag:${t.key}`;
  }
  // An original column whose header words the phrase starts with, two words or more ("usage type").
  // Only text columns group well; numeric ones (ContractedCost) are measures, not dimensions.
  const originals = meta.columns
    .filter((c) =>
      !(c.role in COLUMN_LABELS) && !meta.canonical.includes(c.name as CanonicalColumn) && /^VARCHAR/i.test(c.type) &&
      c.role !== "measure"
    )
    .map((c) => ({ name: c.name, words: headerWords(c.name) }));
  if (/^(cost|costs|spend|price|amount|total)\b/.test(p)) return null;
  const multi = originals
    .map((c) => {
      const tail = c.words.split(" ").slice(-3);
      for (let k = tail.length; k >= 2; k--) {
        const w = tail.slice(-k).join(" ");
        if (p.startsWith(w) || p.startsWith(w + "s")) return { name: c.name, k };
      }
      return null;
    })
    .filter((x): x is { name: string; k: number } => x !== null)
    .sort((a, b) => b.k - a.k);
  if (multi.length) return multi[0].name;
  for (const [re, col] of DIMENSION_SYNONYMS) {
    const m = p.match(re);
    if (m && m.index === 0 && has(col)) return col;
    if (m && m.index === 0 && col === "RegionName" && originals.some((o) => o.name === "RegionId")) return "RegionId";
  }
  const single = originals.find((c) => {
    const w = c.words.split(" ").pop()!;
    return w.length >= 3 && (p.startsWith(w) || p.startsWith(c.words));
  });
  if (single) return single.name;
  // A bare tag key ("by team") when no column claims the word.
  const bare = tagKeys.find((t) => p === t.words || p.startsWith(t.words + " "));
  return bare ? `tag:${bare.key}` : null;
}

function detectBasis(t: string, meta: DatasetMeta, notes: string[]): { basis: CostBasis; explicit: boolean } {
  const want: CostBasis | null = /\b(amorti[sz]ed|effective|net amorti[sz]ed)\b/.test(t)
    ? "effective"
    : /\b(list|on-demand|on demand|public price|undiscounted)\b/.test(t)
    ? "list"
    : /\b(billed|invoiced?|unblended|actual|cash)\b/.test(t)
    ? "billed"
    : null;
  const fallback: CostBasis = meta.bases.includes("effective") ? "effective" : "billed";
  if (want && !meta.bases.includes(want)) {
    notes.push(
      `This data has no ${want} cost column; the figures use ${fallback} cost instead (available: ${
        meta.bases.join(", ")
      }).`,
    );
    return { basis: fallback, explicit: false };
  }
  return { basis: want ?? fallback, explicit: want !== null };
}

function detectMeasure(t: string, meta: DatasetMeta): Measure | null {
  if (/\b(usage (quantity|amount)|quantity|how much usage|units used|usage volume)\b/.test(t)) {
    return meta.canonical.includes("PricingQuantity") ? "quantity" : null;
  }
  if (/\b(how many|number of|count of|count)\b.*\b(resources?|instances?)\b/.test(t)) return "resources";
  if (/\b(how many|number of|count of|count)\b.*\b(rows?|line items?|records?|entries)\b/.test(t)) return "rows";
  if (
    /\b(average|avg|mean)\b.*\b(daily|per day|a day|each day)\b|\b(daily|per day) (average|avg|mean)\b|\bburn rate\b/
      .test(t)
  ) {
    return "avg_daily_cost";
  }
  return null;
}

function detectTopN(t: string): { n: number; order: "desc" | "asc" } | null {
  const numWord = "(\\d+|" + Object.keys(NUMBER_WORDS).join("|") + ")";
  const rank = "(top|largest|biggest|highest|most expensive|costliest|bottom|smallest|lowest|cheapest|least expensive)";
  // "top 5 services" and "the 3 most expensive accounts"
  const m = t.match(new RegExp(`\\b${rank}\\s+${numWord}?\\s*([a-z]+)?`));
  const before = t.match(new RegExp(`\\b${numWord}\\s+${rank}\\b`));
  if (!m && !before) return null;
  const word = (m ?? before)![before && !m?.[2] ? 2 : 1];
  const order = /bottom|smallest|lowest|cheapest|least/.test(word) ? "asc" : "desc";
  const count = m?.[2] ?? before?.[1];
  const n = count ? (NUMBER_WORDS[count] ?? parseInt(count, 10)) : m?.[3] && /s$/.test(m[3]) ? 5 : 1;
  return { n: Math.min(Math.max(n, 1), 100), order };
}

/** Dimension phrases: "by X", "per X", "top 5 Xs", "which X". */
function detectGroupBy(t: string, meta: DatasetMeta): string[] {
  const cols: string[] = [];
  const add = (c: string | null) => {
    if (c && !cols.includes(c)) cols.push(c);
  };
  // "per month by service and region": each "by"/"per" starts a phrase that runs to the next
  // one; a phrase may list several dimensions ("service and region", "service, region").
  const lead =
    /\b(?:split by|grouped by|group by|broken down by|breakdown by|break (?:it |that |this )?down by|by|per|each|across)\s+/g;
  const starts = [...t.matchAll(lead)];
  starts.forEach((m, i) => {
    const from = m.index! + m[0].length;
    const to = i + 1 < starts.length ? starts[i + 1].index! : t.length;
    const phrase = t.slice(from, to).replace(/^(?:the|each|my|our)\s+/, "").trim();
    for (const part of phrase.split(/\s*(?:,|&|\band\b|\bthen\b)\s*/)) {
      const p = part.replace(/^(?:the|each|my|our)\s+/, "");
      if (!p || /^(day|week|month|quarter|year|date|time)s?\b/.test(p)) continue;
      add(resolveDimension(p.slice(0, 41), meta));
    }
  });
  const patterns = [
    /\b(?:top|bottom|largest|biggest|highest|most expensive|costliest|cheapest|lowest|smallest)\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty)?\s*([a-z][a-z0-9 _/-]{1,40})/g,
    /\b(?:which|what|list(?! (?:cost|price))(?: all)?(?: the)?|all)\s+([a-z][a-z0-9 _/-]{1,40})/g,
    /\b([a-z]+(?: [a-z]+)?)\s+(?:breakdown|split|distribution|share)\b/g,
  ];
  for (const re of patterns) {
    for (const m of t.matchAll(re)) {
      const phrase = m[1].replace(/^(?:the|my|our)\s+/, "");
      if (/^(day|week|month|quarter|year|date|time)s?\b/.test(phrase)) continue;
      add(resolveDimension(phrase, meta));
    }
  }
  return cols;
}

function detectExclusions(t: string, meta: DatasetMeta, values: ValueIndex, matches: ValueMatch[]) {
  const filters: PlanFilter[] = [];
  const consumed = new Set<ValueMatch>();
  const m = t.match(/\b(?:exclud(?:e|ing)|without|except|minus|not including|ignor(?:e|ing)|leave out|no)\s+(.+)$/);
  if (!m) return { filters, consumed };
  const rest = m[1];
  if (meta.canonical.includes("ChargeCategory")) {
    const cats = (values.ChargeCategory ?? []).map((v) => v.value);
    for (const [re, cat] of CATEGORY_WORDS) {
      if (re.test(rest)) {
        const present = cats.filter((c) => c.toLowerCase() === cat.toLowerCase());
        filters.push({ column: "ChargeCategory", op: "not_in", values: present.length ? present : [cat] });
      }
    }
  }
  for (const vm of matches) {
    if (hasWords(rest, vm.span)) {
      consumed.add(vm);
      const f = filters.find((x) => x.column === vm.column && x.op === "not_in");
      if (f) f.values.push(vm.value);
      else filters.push({ column: vm.column, op: "not_in", values: [vm.value] });
    }
  }
  return { filters, consumed };
}

function defaultGrain(range: TimeRange | null, meta: DatasetMeta): Grain {
  const start = range?.start ?? meta.dateRange?.start;
  const end = range?.end ?? meta.dateRange?.end;
  if (!start || !end) return "month";
  const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
  return days <= 62 ? "day" : days <= 400 ? "month" : "quarter";
}

const COST_SIGNAL =
  /\b(cost|costs|spend|spent|spending|bill|billing|billed|charges?|money|expensive|cheap|price|amount|total|usage|how much|breakdown|top|trend|paid|pay|invoice|amorti[sz]ed|effective|list|savings?|budget|burn)\b/;
const FRESH = /^(compare|show|list|give|what is|what's|what are|how much|total|which|get|display)\b/;
const ANAPHORA = /\b(that|those|it|them|same|instead|also)\b/;
const FOLLOW_UP =
  /^(what about|how about|and|and for|and in|same for|same but|only|just|now|instead|also|then|ok|okay|what if|for)\b|\b(that|those|it|them|this)\b|\binstead\b/;

const vocabularies = new WeakMap<ValueIndex, Set<string>>();

/** The words a question may use for this dataset: the planner's, values', headers' and tags'. */
function vocabularyFor(meta: DatasetMeta, values: ValueIndex): Set<string> {
  let v = vocabularies.get(values);
  if (v) return v;
  v = new Set([...PLANNER_WORDS, ...STOP_WORDS]);
  const add = (s: string) => normText(s).split(" ").forEach((w) => /^[a-z]{4,}$/.test(w) && v!.add(w));
  for (const list of Object.values(values)) for (const { value } of list.slice(0, 300)) add(value);
  for (const c of meta.columns) add(headerWords(c.name));
  for (const t of meta.tags ?? []) add(t.key);
  for (const a of [...Object.keys(SERVICE_ALIASES), ...Object.keys(REGION_ALIASES)]) add(a);
  vocabularies.set(values, v);
  return v;
}

/** Plans one question. */
export function planQuestion(question: string, ctx: PlannerContext): PlanOutcome {
  const { meta, values } = ctx;
  const t = correctTypos(normText(question), vocabularyFor(meta, values));
  const notes: string[] = [];
  const anchor = meta.dateRange?.end ?? new Date().toISOString().slice(0, 10);
  const time = parseTime(t, anchor);
  let textNoTime = t;
  for (const sp of time.spans) textNoTime = textNoTime.replace(normText(sp), " ");

  const { basis, explicit: basisExplicit } = detectBasis(t, meta, notes);
  const measure = detectMeasure(t, meta);
  const top = detectTopN(textNoTime);
  const groupBy = detectGroupBy(textNoTime, meta);
  const categorySpans = meta.canonical.includes("ChargeCategory")
    ? CATEGORY_WORDS.filter(([re]) => re.test(textNoTime)).map(([, cat]) => cat.toLowerCase())
    : [];
  // "tax" names the Tax charge category; a service that happens to be called "Tax" is the same thing.
  const matches = matchValues(textNoTime, values).filter((m) =>
    !categorySpans.some((c) => m.span === c || m.span === c + "s" || m.span === c + "es")
  );
  const excl = detectExclusions(textNoTime, meta, values, matches);

  // A service the user names that is not in the data: say so, never answer with zero.
  const serviceIndex = values.ServiceName ?? [];
  for (const alias of Object.keys(SERVICE_ALIASES)) {
    if (!hasWords(textNoTime, alias)) continue;
    // Covered when a matched service's words include it: "Amazon EC2" named in full.
    if (!matches.some((m) => m.column === "ServiceName" && hasWords(m.span, alias)) && serviceIndex.length) {
      const known = serviceIndex.slice(0, 12).map((v) => v.value);
      return {
        kind: "missing_value",
        message: `There is no '${alias}' in this data. The services are: ${known.join(", ")}${
          serviceIndex.length > 12 ? `, and ${serviceIndex.length - 12} more` : ""
        }.`,
      };
    }
  }

  const filters: PlanFilter[] = [...excl.filters];
  for (const m of matches) {
    if (excl.consumed.has(m)) continue;
    const f = filters.find((x) => x.column === m.column && x.op === "in");
    if (f) {
      if (!f.values.includes(m.value)) f.values.push(m.value);
    } else filters.push({ column: m.column, op: "in", values: [m.value] });
  }
  // "how much tax", "credits in March": a charge category named without "exclude".
  if (meta.canonical.includes("ChargeCategory") && !excl.filters.length) {
    for (const [re, cat] of CATEGORY_WORDS) {
      if (
        re.test(textNoTime) && (values.ChargeCategory ?? []).some((v) => v.value.toLowerCase() === cat.toLowerCase())
      ) {
        filters.push({ column: "ChargeCategory", op: "in", values: [cat] });
      }
    }
  }

  const share = /\b(share|percentage|percent|proportion|distribution|split)\b|%/.test(textNoTime);
  const trend = time.grain !== null ||
    /\b(trend|trends|over time|history|timeline|time series|evolution|evolve)\b/.test(t);
  const compareWords =
    /\b(month over month|mom|period over period|week over week|wow|year over year|yoy|vs\.? (?:the )?(?:previous|last|prior)|compared (?:to|with) (?:the )?(?:previous|last|prior)|change|changed|increase|increased|decrease|decreased|grow|grew|growth|delta|difference)\b/
      .test(t);

  const signals = Boolean(
    COST_SIGNAL.test(t) || measure || top || groupBy.length || filters.length || time.range || trend || compareWords,
  );

  // Follow-ups start from the remembered plan and change only what the new question names.
  const last = ctx.memory?.lastPlan ?? null;
  const hasOwnShape = Boolean(measure || top || groupBy.length || trend || share);
  const fresh = FRESH.test(t) && !ANAPHORA.test(t);
  const followUp = Boolean(last) && !fresh && (FOLLOW_UP.test(t) || (!COST_SIGNAL.test(t) && !hasOwnShape)) &&
    (filters.length > 0 || time.range !== null || groupBy.length > 0 || top !== null || basisExplicit || trend ||
      share || excl.filters.length > 0);
  // "show me a chart of that", "that again": the previous question as it was.
  const repeat = Boolean(last) && !followUp && ANAPHORA.test(t) && !signals;
  if (repeat && last) return { kind: "plan", plan: structuredClone(last), notes, followUp: true };
  if (!signals && !followUp) {
    return {
      kind: "unknown",
      message: "I can't answer that yet: I didn't find a cost question in it.",
      suggestions: suggestionsFor(meta),
    };
  }

  let plan: QueryPlan;
  if (followUp && last) {
    plan = structuredClone(last);
    // A drivers analysis keeps its two periods unless the follow-up names new ones.
    if (!(last.analysis === "drivers" && !time.range)) delete plan.compare;
    if (basisExplicit) plan.basis = basis;
    if (measure) plan.measure = measure;
    for (const f of filters) {
      // A new value for a column replaces the old one ("what about S3?"); "only X" narrows the same way.
      plan.filters = plan.filters.filter((x) => !(x.column === f.column && x.op === f.op));
      plan.filters.push(f);
      plan.groupBy = plan.groupBy.filter((g) => !(g === f.column && f.op === "in" && f.values.length === 1));
    }
    if (time.range) plan.time.range = time.range;
    if (/\b(all time|all data|whole period|entire period|everything)\b/.test(t)) plan.time.range = null;
    if (groupBy.length) plan.groupBy = groupBy;
    if (top) {
      plan.topN = top.n;
      plan.order = top.order;
    }
    if (trend) plan.time.grain = time.grain ?? plan.time.grain ?? defaultGrain(plan.time.range, meta);
    if (share) plan.share = true;
  } else {
    plan = {
      measure: measure ?? "cost",
      basis,
      groupBy,
      filters,
      time: { range: time.range, grain: trend ? time.grain ?? defaultGrain(time.range, meta) : null },
      topN: top?.n ?? null,
      order: top?.order ?? "desc",
    };
    if (share) {
      plan.share = true;
      if (!plan.groupBy.length && meta.canonical.includes("ServiceName")) plan.groupBy = ["ServiceName"];
    }
    if (top && !plan.groupBy.length && meta.canonical.includes("ServiceName")) {
      notes.push("No dimension named: ranking by service.");
      plan.groupBy = ["ServiceName"];
    }
  }

  // Several values of one column and no breakdown asked for: show them side by side.
  if (!plan.groupBy.length && !plan.time.grain) {
    const multi = plan.filters.find((f) => f.op === "in" && f.values.length > 1);
    if (multi) plan.groupBy = [multi.column];
  }
  // A single word that named several values: say how it was read.
  for (const m of matches) {
    const same = matches.filter((x) => x.span === m.span && x.column === m.column);
    if (same.length > 1 && same[0] === m && m.strength < 2) {
      notes.push(`I read '${m.span}' as: ${same.map((x) => x.value).join(", ")}.`);
    }
  }

  // Two periods named, or a change asked for: compare.
  if (time.range && time.second) {
    plan.compare = { kind: "periods", a: time.range, b: time.second };
    plan.time = { range: null, grain: null };
  } else if (compareWords && !trend) {
    const weekly = /\b(week over week|wow)\b/.test(t);
    const yearly = /\b(year over year|yoy)\b/.test(t);
    const b = plan.time.range ?? (weekly ? parseTime("last week", anchor).range : latestCompleteMonth(meta));
    if (b) {
      const a = yearly ? sameRangeYearBefore(b) : previousPeriod(b);
      plan.compare = { kind: "periods", a, b };
      plan.time = { range: null, grain: null };
    }
  }
  if (plan.measure === "avg_daily_cost") {
    plan.time.grain = null;
    if (plan.compare) {
      plan.time.range = plan.compare.b;
      delete plan.compare;
    }
  }
  return { kind: "plan", plan, notes, followUp };
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
