/**
 * The planner's first stage: reading the signals of a question. Each detector is a pure
 * function that returns what it found and the words it used, so that the last stage can
 * account for every word (agents/reading.ts).
 *
 * @example
 * detectTopN("top 5 services") // → {n: 5, order: "desc", used: ["top 5"]}
 * @module
 */
import type { CanonicalColumn, CostBasis, DatasetMeta } from "../analytics/dataset.ts";
import { ORDINARY_WORDS } from "./lexicon.ts";
import type { Measure, PlanFilter } from "./types.ts";
import {
  CATEGORY_WORDS,
  COLUMN_LABELS,
  DIMENSION_SYNONYMS,
  REGION_ALIASES,
  SERVICE_ALIASES,
  STOP_WORDS,
} from "./vocabulary.ts";

/** Distinct values per dimension column, most frequent first. */
export type ValueIndex = Record<string, { value: string; n: number }[]>;

/** Lower case, punctuation to spaces (keeping `-`, `.`, `/` inside tokens). */
export function normText(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9\-./%$]+/g, " ").replace(/\s+/g, " ").trim();
}

/** Whether `phrase` stands in `text` as whole words. */
export function hasWords(text: string, phrase: string): boolean {
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
export interface ValueMatch {
  column: string;
  value: string;
  span: string;
  strength: number;
  /** A column word next to the value that was the evidence for it ("services" in "compute services"). */
  evidence?: string;
}

/** Whether every word of a (normalised) value is an ordinary word: such a value needs more evidence. */
export function isOrdinary(normalised: string): boolean {
  return normalised.split(" ").every((w) => ORDINARY_WORDS.has(w) || STOP_WORDS.has(w) || /^\d+$/.test(w));
}

/** What people call common tag keys: `env` is the "environment" tag. */
const TAG_KEY_WORDS: Record<string, string[]> = {
  env: ["environment", "environments"],
  environment: ["env", "envs"],
  app: ["application", "applications"],
  application: ["app", "apps"],
  bu: ["business", "unit"],
  cc: ["cost", "center"],
  "cost-center": ["cost", "center", "centre"],
  owner: ["owners", "owned"],
  team: ["teams"],
  project: ["projects"],
};

/** Words that name a column: its header's and its synonyms' ("service", "category" for ServiceCategory). */
function columnWords(column: string): Set<string> {
  const out = new Set(headerWords(column.replace(/^tag:/, "")).split(" "));
  for (const [re, col] of DIMENSION_SYNONYMS) {
    if (col !== column) continue;
    for (const w of re.source.replace(/\\b|\(\?:|[()?|\\]|s\?/g, " ").split(/\s+/)) {
      if (/^[a-z]{3,}$/.test(w)) out.add(w);
    }
  }
  if (column === "ServiceCategory") ["service", "services", "category"].forEach((w) => out.add(w));
  if (column.startsWith("tag:")) {
    ["tag", "tagged", "label"].forEach((w) => out.add(w));
    for (const w of TAG_KEY_WORDS[column.slice(4).toLowerCase()] ?? []) out.add(w);
  }
  out.delete("name");
  out.delete("id");
  return out;
}

/** Whether a word naming the value's column stands right before or after it ("compute services"). */
function columnWordNextTo(text: string, span: string, column: string): string | null {
  const words = columnWords(column);
  const esc = span.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = text.match(new RegExp(`(?:^|\\s)(?:([a-z]+)\\s+)?(?:([a-z]+)\\s+)?${esc}(?:\\s+([a-z]+))?(?:\\s|$)`));
  if (!m) return null;
  const isColumnWord = (w: string | undefined) => {
    const bare = (w ?? "").replace(/s$/, "");
    return Boolean(w) && (words.has(bare) || words.has(bare + "s"));
  };
  // "service category storage": both words before it; "compute services": the word after.
  const before = isColumnWord(m[2]) ? [...(isColumnWord(m[1]) ? [m[1]] : []), m[2]] : [];
  const after = isColumnWord(m[3]) ? [m[3]] : [];
  const found = [...before, ...after];
  return found.length ? found.join(" ") : null;
}

/** Quoted strings of the original question: a value named in quotes is meant exactly. */
export function quotedStrings(question: string): string[] {
  return [...question.matchAll(/["“'‘`]([^"”'’`]{2,200})["”'’`]/g)].map((m) => m[1].trim().toLowerCase());
}

/**
 * Finds values of indexed dimension columns named in the text, on evidence only: a quoted or
 * distinctive value, a multi-word value named in full, a well-known alias, a distinctive word of
 * a value, or an ordinary word with its column's word next to it ("compute services").
 * Ordinary English words alone ("monthly", "identity", "savings") never become filters.
 */
export function matchValues(text: string, values: ValueIndex, quoted: string[] = []): ValueMatch[] {
  const out: ValueMatch[] = [];
  const t = normText(text);
  for (const [column, vals] of Object.entries(values)) {
    if (column === "ChargeCategory") continue; // handled by explicit category words
    const tokenCount = new Map<string, number>();
    for (const { value } of vals) {
      for (const tok of new Set(normText(value).split(" "))) tokenCount.set(tok, (tokenCount.get(tok) ?? 0) + 1);
    }
    for (const { value } of vals) {
      const match = matchOne(t, column, value, tokenCount, quoted);
      if (match) out.push(match);
    }
  }
  return strongestPerSpan(out);
}

function matchOne(
  t: string,
  column: string,
  value: string,
  tokenCount: Map<string, number>,
  quoted: string[],
): ValueMatch | null {
  const nv = normText(value);
  // Nobody types a 200-character value; long ones (notes, JSON) are never names to match.
  if (nv.length < 2 || nv.length > MAX_NAMED_VALUE || (/^\d+$/.test(nv) && nv.length < 6)) return null;
  if (quoted.includes(value.toLowerCase()) || quoted.includes(nv)) return { column, value, span: nv, strength: 5 };
  if (hasWords(t, nv)) {
    const multiWord = nv.includes(" ");
    const provider = column === "ProviderName" && !["web", "data"].includes(nv);
    const nextToColumn = columnWordNextTo(t, nv, column);
    const evidence = !isOrdinary(nv) || (multiWord && !STOP_WORDS.has(nv)) || provider || nextToColumn;
    if (evidence && (!STOP_WORDS.has(nv) || provider || nextToColumn)) {
      // "compute services" reads as the category of services, before a service that is called "Compute".
      const categoryBonus = column === "ServiceCategory" && nextToColumn ? 0.5 : 0;
      const match = { column, value, span: nv, strength: 3 + nv.length / 100 + categoryBonus };
      return nextToColumn ? { ...match, evidence: nextToColumn } : match;
    }
  }
  if (column === "ServiceName") {
    const alias = Object.entries(SERVICE_ALIASES).find(([a, re]) => hasWords(t, a) && re.test(value));
    if (alias) return { column, value, span: alias[0], strength: 2.5 };
  }
  if (/region/i.test(column)) {
    const alias = Object.entries(REGION_ALIASES).find(([a, re]) => hasWords(t, a) && re.test(value));
    if (alias) return { column, value, span: alias[0], strength: 2.4 };
  }
  // A distinctive word of the value ("kubernetes") names it when few values share it.
  const tok = nv.split(" ").find((w) =>
    w.length >= 4 && !STOP_WORDS.has(w) && !ORDINARY_WORDS.has(w) && !/^\d+$/.test(w) &&
    (tokenCount.get(w) ?? 0) <= 2 && hasWords(t, w)
  );
  return tok ? { column, value, span: tok, strength: 1 } : null;
}

/**
 * Keeps the strongest reading of each span; a span inside a longer matched span yields to it.
 * Canonical columns first among equals: "ireland" is RegionName, not also RegionId.
 */
function strongestPerSpan(out: ValueMatch[]): ValueMatch[] {
  const rank = (c: string) => (c in COLUMN_LABELS ? 0 : 1);
  out.sort((a, b) => b.strength - a.strength || b.span.length - a.span.length || rank(a.column) - rank(b.column));
  const kept: ValueMatch[] = [];
  for (const m of out) {
    const shadowed = kept.some((k) =>
      (k.span !== m.span && hasWords(k.span, m.span)) || (k.span === m.span && k.column !== m.column)
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
  if (/^(tagged|tagging|tag status)\b/.test(p) && has("Tags")) return "@tagged";
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
  // "billing account", "publisher" name BillingAccountName, PublisherName: header words without "name"/"id";
  // "commitment type" names CommitmentDiscountType: every word of the phrase, in order, in the header.
  const named = originals
    .map((c) => ({ name: c.name, words: c.words.replace(/ (name|id)$/, ""), id: / id$/.test(c.words) }))
    .filter((c) => p === c.words || p.startsWith(c.words + " ") || p === c.words + "s" || inOrder(p, c.words))
    .sort((a, b) => Number(a.id) - Number(b.id));
  if (named.length) return named[0].name;
  const single = originals.find((c) => {
    const w = c.words.split(" ").pop()!;
    return w.length >= 3 && (p.startsWith(w) || p.startsWith(c.words));
  });
  if (single) return single.name;
  // A bare tag key ("by team") when no column claims the word.
  const bare = tagKeys.find((t) => p === t.words || p.startsWith(t.words + " "));
  return bare ? `tag:${bare.key}` : null;
}

/** Whether a phrase of two words or more has all its words, in order, in a header's words. */
function inOrder(phrase: string, header: string): boolean {
  const want = phrase.split(" ").slice(0, 3);
  if (want.length < 2) return false;
  const have = header.split(" ");
  let i = 0;
  for (const w of have) if (i < want.length && (w === want[i] || w + "s" === want[i])) i++;
  return i === want.length && want.every((w) => w.length >= 3);
}

/** The shortest start of a phrase that resolves to the same column: the words the dimension used. */
function dimensionWords(phrase: string, column: string, meta: DatasetMeta): string {
  const words = phrase.split(" ");
  for (let k = 1; k <= words.length; k++) {
    const head = words.slice(0, k).join(" ");
    if (resolveDimension(head, meta) === column) return head;
  }
  return phrase;
}

/** What a detector found, with the words it used. */
export interface Found<T> {
  value: T;
  used: string[];
}

/** The cost basis asked for, and whether it was named. */
export function detectBasis(
  t: string,
  meta: DatasetMeta,
  notes: string[],
): Found<{ basis: CostBasis; explicit: boolean }> {
  const words: [RegExp, CostBasis][] = [
    [/\b(net amorti[sz]ed|amorti[sz]ed|effective)\b/, "effective"],
    // "list" alone is a verb ("list all services"): the list basis is "list cost", "list price", "at list".
    [/\b(list (?:costs?|prices?)|at list|on-demand|on demand|public price|undiscounted)\b/, "list"],
    [/\b(billed|invoiced?|unblended|actual|cash)\b/, "billed"],
  ];
  const hit = words.map(([re, b]) => ({ m: t.match(re), b })).find((x) => x.m);
  const want = hit?.b ?? null;
  const fallback: CostBasis = meta.bases.includes("effective") ? "effective" : "billed";
  const used = hit?.m ? [hit.m[0]] : [];
  if (want && !meta.bases.includes(want)) {
    notes.push(
      `This data has no ${want} cost column; the figures use ${fallback} cost instead (available: ${
        meta.bases.join(", ")
      }).`,
    );
    return { value: { basis: fallback, explicit: false }, used };
  }
  return { value: { basis: want ?? fallback, explicit: want !== null }, used };
}

/** A measure other than cost ("usage quantity", "how many resources"), when asked. */
export function detectMeasure(t: string, meta: DatasetMeta): Found<Measure | null> {
  const quantity = t.match(/\b(usage (quantity|amount)|quantity|how much usage|units used|usage volume)\b/);
  if (quantity) return { value: meta.canonical.includes("PricingQuantity") ? "quantity" : null, used: [quantity[0]] };
  const count = /\b(how many|number of|count of|count)\b/;
  const resources = t.match(/\b(how many|number of|count of|count)\b.*?\b(resources?|instances?)\b/);
  if (resources && count.test(t)) return { value: "resources", used: [resources[1], resources[2]] };
  const rows = t.match(/\b(how many|number of|count of|count)\b.*?\b(rows?|line items?|records?|entries)\b/);
  if (rows) return { value: "rows", used: [rows[1], rows[2]] };
  const avg = t.match(
    /\b(average|avg|mean)\b.*?\b(daily|per day|a day|each day)\b|\b(daily|per day) (average|avg|mean)\b|\bburn rate\b/,
  );
  if (avg) return { value: "avg_daily_cost", used: [avg[0]] };
  return { value: null, used: [] };
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

/** A ranking asked for: "top 5", "the 3 cheapest", "lowest". */
export function detectTopN(t: string): Found<{ n: number; order: "desc" | "asc" } | null> {
  const numWord = "(\\d+|" + Object.keys(NUMBER_WORDS).join("|") + ")";
  const rank = "(top|largest|biggest|highest|most expensive|costliest|bottom|smallest|lowest|cheapest|least expensive)";
  // "top 5 services" and "the 3 most expensive accounts"
  // The rank word may end the question ("which region was the most expensive?").
  const m = t.match(new RegExp(`\\b${rank}(?:\\s+${numWord})?(?:\\s+([a-z]+))?\\b`));
  const before = t.match(new RegExp(`\\b${numWord}\\s+${rank}\\b`));
  if (!m && !before) return { value: null, used: [] };
  const word = (m ?? before)![before && !m?.[2] ? 2 : 1];
  const order = /bottom|smallest|lowest|cheapest|least/.test(word) ? "asc" : "desc";
  const count = m?.[2] ?? before?.[1];
  const n = count ? (NUMBER_WORDS[count] ?? parseInt(count, 10)) : m?.[3] && /s$/.test(m[3]) ? 5 : 1;
  const used = [word ?? "", m?.[0] ?? before?.[0] ?? "", ...(count ? [count] : [])].filter(Boolean);
  return { value: { n: Math.min(Math.max(n, 1), 100), order }, used };
}

/** Dimension phrases: "by X", "per X", "top 5 Xs", "which X". */
export function detectGroupBy(t: string, meta: DatasetMeta): Found<string[]> {
  const cols: string[] = [];
  const used: string[] = [];
  const add = (phrase: string, lead: string) => {
    const c = resolveDimension(phrase.slice(0, 41), meta);
    if (!c) return;
    used.push(lead, dimensionWords(phrase, c, meta));
    // "team tag", "env label": the word that says it is a tag is part of the dimension.
    if (c.startsWith("tag:")) used.push(...(phrase.match(/\b(?:tags?|labels?)\b/g) ?? []));
    if (!cols.includes(c)) cols.push(c);
  };
  // "per month by service and region": each "by"/"per" starts a phrase that runs to the next
  // one; a phrase may list several dimensions ("service and region", "service, region").
  const lead =
    /\b(?:split by|grouped by|group by|broken down by|breakdown by|break (?:it |that |this )?down by|by|per|each|across|for each|for every)\s+/g;
  const starts = [...t.matchAll(lead)];
  starts.forEach((m, i) => {
    const from = m.index! + m[0].length;
    const to = i + 1 < starts.length ? starts[i + 1].index! : t.length;
    const phrase = t.slice(from, to).replace(/^(?:the|each|my|our)\s+/, "").trim();
    for (const part of phrase.split(/\s*(?:,|&|\band\b|\bthen\b)\s*/)) {
      const p = part.replace(/^(?:the|each|my|our)\s+/, "");
      if (!p || /^(day|week|month|quarter|year|date|time)s?\b/.test(p)) continue;
      add(p, m[0].trim());
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
      add(phrase, "");
    }
  }
  return { value: cols, used: used.filter(Boolean) };
}

/** Exclusions: "excluding tax", "without EC2". */
export function detectExclusions(
  t: string,
  meta: DatasetMeta,
  values: ValueIndex,
  matches: ValueMatch[],
): Found<{ filters: PlanFilter[]; consumed: Set<ValueMatch> }> {
  const filters: PlanFilter[] = [];
  const consumed = new Set<ValueMatch>();
  const used: string[] = [];
  const m = t.match(/\b(exclud(?:e|ing)|without|except|minus|not including|ignor(?:e|ing)|leave out|no)\s+(.+)$/);
  if (!m) return { value: { filters, consumed }, used };
  const rest = m[2];
  if (meta.canonical.includes("ChargeCategory")) {
    const cats = (values.ChargeCategory ?? []).map((v) => v.value);
    for (const [re, cat] of CATEGORY_WORDS) {
      const hit = rest.match(re);
      if (hit) {
        const present = cats.filter((c) => c.toLowerCase() === cat.toLowerCase());
        filters.push({ column: "ChargeCategory", op: "not_in", values: present.length ? present : [cat] });
        used.push(m[1], hit[0]);
      }
    }
  }
  for (const vm of matches) {
    if (hasWords(rest, vm.span)) {
      consumed.add(vm);
      used.push(m[1], vm.span);
      const f = filters.find((x) => x.column === vm.column && x.op === "not_in");
      if (f) f.values.push(vm.value);
      else filters.push({ column: vm.column, op: "not_in", values: [vm.value] });
    }
  }
  return { value: { filters, consumed }, used };
}
