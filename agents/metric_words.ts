/**
 * The words of the FOCUS metric layer: which phrases of a question name a measure, a named
 * filter, the billing period or a budget. Each rule is data (a pattern and what it sets), so
 * the catalogue can be read at a glance; the measures themselves are defined once in
 * analytics/metric_layer.ts.
 *
 * @example
 * detectMetricWords("effective savings rate by service", meta).value.metrics
 * // → ["effective_savings_rate", "savings_vs_list", "list_cost", "effective_cost"]
 * @module
 */
import type { CostBasis, DatasetMeta } from "../analytics/dataset.ts";
import type { MetricId, ScopeId } from "../analytics/metric_layer.ts";
import type { Found } from "./signals.ts";
import type { Grain } from "./types.ts";

/** What the metric words of a question ask for. */
export interface MetricSignals {
  metrics: MetricId[];
  scopes: ScopeId[];
  /** A dimension the metric implies when none is named (unused commitments → per commitment). */
  groupBy: string[];
  /** A basis the metric implies when none is named (corrections and invoices are billed). */
  basis: CostBasis | null;
  period: "billing" | null;
  /** A grain the words imply ("per billing period" → month). */
  grain: Grain | null;
  budget: number | null;
  /** "are we over budget?" with no amount. */
  budgetWithoutAmount: boolean;
  /** Several bases named side by side ("list vs billed vs effective"). */
  sideBySide: boolean;
}

interface Rule {
  re: RegExp;
  apply: (s: MetricSignals, m: RegExpMatchArray) => void;
}

const COMMIT = "(?:commitments?|commitment discounts?|reservations?|reserved instances?|ris?|savings plans?|cuds?)";

const add = <T>(list: T[], ...items: T[]) => items.forEach((i) => !list.includes(i) && list.push(i));

const RULES: Rule[] = [
  {
    re: /\b(?:effective )?savings rate\b|\besr\b/,
    apply: (s) => add(s.metrics, "effective_savings_rate", "savings_vs_list", "list_cost", "effective_cost"),
  },
  {
    re: /\bsavings?\b.*?\b(?:against|vs\.?|versus|over|compared (?:to|with)|relative to) (?:the )?contract(?:ed)?\b/,
    apply: (s) => {
      s.metrics = s.metrics.filter((m) => m !== "savings_vs_list" && m !== "list_cost");
      add(s.metrics, "contracted_savings_rate", "savings_vs_contracted", "contracted_cost", "effective_cost");
    },
  },
  {
    re: /\bsavings?\b(?! plans?\b)(?:.*?\b(?:against|vs\.?|versus|over|compared (?:to|with)|from) (?:the )?list\b)?/,
    apply: (s) => {
      if (!s.metrics.some((m) => m.startsWith("savings") || m.endsWith("savings_rate"))) {
        add(s.metrics, "savings_vs_list", "list_cost", "effective_cost");
      }
    },
  },
  {
    re: new RegExp(`\\b${COMMIT} utili[sz]ation\\b|\\butili[sz]ation of (?:our |my )?${COMMIT}|\\butili[sz]ation\\b`),
    apply: (s) => add(s.metrics, "commitment_utilization", "unused_commitment_cost"),
  },
  {
    re: /\btag(?:ging)? coverage\b|\bcoverage of tags\b|\b% of cost (?:carrying|with) (?:a )?tags?\b/,
    apply: (s) => add(s.metrics, "tag_coverage"),
  },
  {
    re: new RegExp(`\\b${COMMIT} coverage\\b|\\bcoverage\\b`),
    apply: (s) => {
      if (!s.metrics.includes("tag_coverage")) add(s.metrics, "commitment_coverage");
    },
  },
  {
    re: new RegExp(`\\b(?:unused|unutili[sz]ed|wasted|idle) ${COMMIT}|\\b${COMMIT} (?:waste|not used)\\b`),
    apply: (s) => {
      add(s.scopes, "unused_commitments");
      add(s.groupBy, "CommitmentDiscountId");
    },
  },
  {
    re: new RegExp(`\\brecurring (?:${COMMIT} )?(?:charges?|fees?|payments?)\\b|\\b${COMMIT} recurring\\b`),
    apply: (s) => {
      add(s.scopes, "recurring_commitment_charges");
      s.basis ??= "billed";
    },
  },
  {
    re: new RegExp(`\\b${COMMIT} (?:discount )?purchases?\\b|\\bpurchases? of ${COMMIT}|\\bbought ${COMMIT}`),
    apply: (s) => {
      add(s.scopes, "commitment_purchases");
      s.basis ??= "billed";
    },
  },
  { re: /\bcorrections?\b/, apply: (s) => (add(s.scopes, "corrections"), s.basis ??= "billed") },
  { re: /\bmarketplace\b/, apply: (s) => add(s.scopes, "marketplace") },
  { re: /\busage[- ]only\b|\bonly usage\b|\busage charges\b|\busage costs?\b/, apply: (s) => add(s.scopes, "usage") },
  {
    re:
      /\b(?:tagged (?:vs\.?|versus|and|or) untagged|untagged (?:vs\.?|versus|and|or) tagged)(?: (?:resources?|charges?|costs?|spend|usage|line items?))?\b/,
    apply: (s) => add(s.groupBy, "@tagged"),
  },
  {
    re: /\buntagged\b|\bwithout (?:any )?tags?\b|\bno tags?\b/,
    apply: (s) => !s.groupBy.includes("@tagged") && add(s.scopes, "untagged"),
  },
  {
    re: /\btagged\b/,
    apply: (s) => !s.groupBy.includes("@tagged") && !s.scopes.includes("untagged") && add(s.scopes, "tagged"),
  },
  {
    re: /\b(?:cost|price|rate) per unit\b|\bunit (?:costs?|prices?|rates?)\b|\bcost per (?:gb|gib|hour|hr|request)\b/,
    apply: (s) => add(s.metrics, "cost_per_unit", "consumed_quantity"),
  },
  {
    re: /\b(?:with|and) (?:the )?(?:usage |consumed )?quantit(?:y|ies)\b|\bquantity and (?:its )?units?\b/,
    apply: (s) => add(s.metrics, "consumed_quantity"),
  },
  {
    re:
      /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)?(?: \w+)?? (?:sub ?accounts?|accounts?|subscriptions?|projects?)\b/,
    apply: (s) => add(s.metrics, "count_sub_accounts"),
  },
  {
    re: /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)? billing accounts?\b/,
    apply: (s) => {
      s.metrics = s.metrics.filter((m) => m !== "count_sub_accounts");
      add(s.metrics, "count_billing_accounts");
    },
  },
  {
    re: /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)? services?\b/,
    apply: (s) => add(s.metrics, "count_services"),
  },
  {
    re: /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)? regions?\b/,
    apply: (s) => add(s.metrics, "count_regions"),
  },
  {
    re: /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)? skus?\b/,
    apply: (s) => add(s.metrics, "count_skus"),
  },
  {
    re: /\b(?:how many|number of|count of|count)\b(?: distinct| unique| different)? (?:providers?|clouds?)\b/,
    apply: (s) => add(s.metrics, "count_providers"),
  },
  {
    re: /\b(?:per|by|each|every|across) billing periods?\b/,
    apply: (s) => {
      s.period = "billing";
      s.grain = "month";
    },
  },
  { re: /\bbilling periods?\b|\binvoices?\b|\binvoiced\b/, apply: (s) => (s.period = "billing", s.basis ??= "billed") },
];

/** "$15", "15k", "$1.2m", "15,000 usd" → the amount. */
export function parseAmount(text: string): number | null {
  const m = text.match(/\$?\s?(\d[\d,]*(?:\.\d+)?)\s?(k|m|thousand|million)?\b/);
  if (!m) return null;
  const n = Number(m[1].replaceAll(",", ""));
  const scale = m[2] === "k" || m[2] === "thousand" ? 1e3 : m[2] === "m" || m[2] === "million" ? 1e6 : 1;
  return Number.isFinite(n) && n > 0 ? n * scale : null;
}

const BUDGET_AMOUNT =
  /(?:\$\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m)?|\d[\d,]*(?:\.\d+)?\s?(?:k|m)?\s?(?:usd|eur|gbp|dollars?)?)\s+(?:\w+\s+)?budget\b|\bbudget (?:of|is|at) \$?\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m)?\b/;

/** Budget words: an amount ("against a $15 budget") or a question about one without an amount. */
function detectBudget(t: string, s: MetricSignals, used: string[]): void {
  const m = t.match(BUDGET_AMOUNT);
  if (m) {
    s.budget = parseAmount(m[0]);
    used.push(m[0]);
    const lead = t.match(/\b(?:against|vs\.?|versus|compared (?:to|with)|within|under|over|above|below)\b/);
    if (lead) used.push(lead[0]);
    return;
  }
  const ask = t.match(
    /\b(?:over|under|within|on|above|below|beyond|exceed(?:ed|ing)?) (?:the |our |my )?budget\b|\bbudget\b/,
  );
  if (ask) {
    s.budgetWithoutAmount = true;
    used.push(ask[0]);
  }
}

/** Finds the metric layer's words in a (normalised) question. */
export function detectMetricWords(t: string, meta: DatasetMeta): Found<MetricSignals> {
  const s: MetricSignals = {
    metrics: [],
    scopes: [],
    groupBy: [],
    basis: null,
    period: null,
    grain: null,
    budget: null,
    budgetWithoutAmount: false,
    sideBySide: false,
  };
  const used: string[] = [];
  for (const rule of RULES) {
    const m = t.match(rule.re);
    if (!m) continue;
    rule.apply(s, m);
    used.push(m[0]);
  }
  detectBudget(t, s, used);
  const bases = sideBySideBases(t, meta);
  // "correlate billed and effective cost" is an analysis of two series, not a table of both.
  if (bases.value.length >= 2 && !/\bcorrelat|\bco-?move/.test(t)) {
    s.sideBySide = true;
    s.metrics = [...bases.value.map((b) => `${b}_cost` as MetricId), ...s.metrics.filter((m) => !m.endsWith("_cost"))];
    used.push(...bases.used);
  }
  return { value: s, used };
}

/** "list vs billed vs effective", "billed and amortized": several cost bases side by side. */
function sideBySideBases(t: string, _meta: DatasetMeta): Found<("list" | "contracted" | "billed" | "effective")[]> {
  const words: [RegExp, "list" | "contracted" | "billed" | "effective"][] = [
    [/\blist\b/, "list"],
    [/\bcontracted\b/, "contracted"],
    [/\b(?:billed|invoiced|unblended)\b/, "billed"],
    [/\b(?:effective|amorti[sz]ed)\b/, "effective"],
  ];
  const hits = words.map(([re, b]) => ({ m: t.match(re), b })).filter((x) => x.m);
  if (hits.length < 2) return { value: [], used: [] };
  const joined = /\b(?:vs\.?|versus|and|compared|side by side|,)\b|,/.test(t);
  if (!joined) return { value: [], used: [] };
  const order = ["list", "contracted", "billed", "effective"] as const;
  const value = order.filter((b) => hits.some((h) => h.b === b));
  const used = [...hits.map((h) => h.m![0]), ...(t.match(/\b(?:vs\.?|versus|side by side)\b/g) ?? [])];
  return { value, used };
}
