/**
 * Labelled billing data for the anomaly evaluation: 18 months of daily costs in several series
 * with weekly seasonality and noise, and planted events whose truth is known: one-day and
 * two-day spikes, drops, level steps that stay, service launches, a steadily growing service, a
 * month-end support fee and a monthly subscription (recurring: never anomalies), tax on the 1st
 * and a one-time purchase (reported as what they are, not as spikes). Deterministic for a seed.
 * Used by the tests and by `deno task bench` (precision and recall per event type).
 * @module
 */
import { mulberry32, normal } from "../../analytics/random.ts";
import type { Incident, Trend } from "../../analytics/incidents.ts";

/** A planted event. */
export interface Label {
  type: "spike" | "drop" | "step" | "launch" | "trend" | "recurring" | "tax" | "purchase";
  series: string;
  start: string;
  /** Days it lasts (spikes and drops); 0 for level events. */
  days: number;
}

interface SeriesSpec {
  key: [provider: string, service: string, region: string];
  level: number;
  noise: number;
  weekend?: number;
  growth?: number;
  launch?: string;
}

const SPECS: SeriesSpec[] = [
  { key: ["AWS", "Amazon Elastic Compute Cloud", "us-east-1"], level: 400, noise: 0.03, weekend: -0.2 },
  { key: ["AWS", "Amazon Simple Storage Service", "us-east-1"], level: 120, noise: 0.03, growth: 0.8 },
  { key: ["Microsoft", "Virtual Machines", "westeurope"], level: 250, noise: 0.03, weekend: -0.15 },
  { key: ["Google", "BigQuery", "us"], level: 80, noise: 0.06 },
  { key: ["AWS", "Amazon Relational Database Service", "eu-west-1"], level: 150, noise: 0.03 },
  { key: ["AWS", "Amazon Bedrock", "us-east-1"], level: 200, noise: 0.04, launch: "2025-02-10" },
  { key: ["Oracle", "Oracle Compute", "us-ashburn-1"], level: 60, noise: 0.04, launch: "2024-06-01" },
  { key: ["AWS", "AWS Support", "global"], level: 0, noise: 0 },
  { key: ["Marketplace", "Datadog", "global"], level: 0, noise: 0 },
];

/** The planted events (spikes and drops in money per day, steps as a factor). */
const SPIKES: [string, string, number, number][] = [
  ["Amazon Elastic Compute Cloud", "2024-07-19", 1, 1500],
  ["Virtual Machines", "2024-11-05", 1, 900],
  ["BigQuery", "2025-03-14", 2, 600],
  ["Amazon Relational Database Service", "2025-05-20", 1, 700],
];
const DROPS: [string, string, number, number][] = [
  ["Amazon Elastic Compute Cloud", "2024-09-10", 1, -300],
  ["Virtual Machines", "2025-01-15", 2, -180],
];
const STEPS: [string, string, number][] = [
  ["Amazon Relational Database Service", "2024-10-01", 1.4],
  ["Virtual Machines", "2025-04-01", 0.7],
];

/** Series key as the scan names series: provider · service · region. */
export function seriesKey(service: string): string {
  const spec = SPECS.find((s) => s.key[1] === service)!;
  return spec.key.join(" · ");
}

/** One day's cost of one series, and the tax and purchase rows. */
export interface LabelledRow {
  date: string;
  provider: string;
  service: string;
  region: string;
  category: "Usage" | "Tax" | "Purchase";
  frequency: "Usage-Based" | "Recurring" | "One-Time";
  cost: number;
}

/** The generated data and its labels. */
export function labelledBilling(seed = 7): { rows: LabelledRow[]; labels: Label[] } {
  const rnd = mulberry32(seed);
  const start = Date.UTC(2024, 0, 1);
  const days = 548;
  const rows: LabelledRow[] = [];
  const labels: Label[] = [];
  for (const [service, date, n] of SPIKES) {
    labels.push({ type: "spike", series: seriesKey(service), start: date, days: n });
  }
  for (const [service, date, n] of DROPS) {
    labels.push({ type: "drop", series: seriesKey(service), start: date, days: n });
  }
  for (const [service, date] of STEPS) labels.push({ type: "step", series: seriesKey(service), start: date, days: 0 });
  for (const s of SPECS.filter((x) => x.launch)) {
    labels.push({ type: "launch", series: s.key.join(" · "), start: s.launch!, days: 0 });
  }
  labels.push({ type: "trend", series: seriesKey("Amazon Simple Storage Service"), start: "2024-01-01", days: 0 });
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    const dow = new Date(start + d * 86_400_000).getUTCDay();
    for (const s of SPECS) {
      const [provider, service, region] = s.key;
      let cost = s.level * (1 + (s.growth ?? 0) * d / days);
      if (s.weekend && (dow === 0 || dow === 6)) cost *= 1 + s.weekend;
      if (s.launch) {
        const since = (Date.parse(date) - Date.parse(s.launch)) / 86_400_000;
        cost = since < 0 ? 0 : cost * Math.min(1, (since + 1) / 4);
      }
      for (const [svc, from, factor] of STEPS) if (svc === service && date >= from) cost *= factor;
      cost *= 1 + s.noise * normal(rnd);
      for (const [svc, from, n, amount] of [...SPIKES, ...DROPS]) {
        const k = (Date.parse(date) - Date.parse(from)) / 86_400_000;
        if (svc === service && k >= 0 && k < n) cost += amount;
      }
      // Month-end support fee and a subscription on the 5th: recurring, learned from their repeats.
      const lastDay = new Date(Date.parse(date) + 86_400_000).getUTCDate() === 1;
      if (service === "AWS Support" && lastDay) cost = 900;
      if (service === "Datadog" && date.endsWith("-05")) cost = 650;
      if (cost !== 0) {
        rows.push({ date, provider, service, region, category: "Usage", frequency: "Usage-Based", cost: round(cost) });
      }
    }
    if (date.endsWith("-01")) {
      rows.push({
        date,
        provider: "AWS",
        service: "Tax",
        region: "",
        category: "Tax",
        frequency: "Recurring",
        cost: 1200,
      });
    }
  }
  rows.push({
    date: "2024-12-02",
    provider: "AWS",
    service: "Amazon Relational Database Service",
    region: "eu-west-1",
    category: "Purchase",
    frequency: "One-Time",
    cost: 12_000,
  });
  labels.push({
    type: "purchase",
    series: seriesKey("Amazon Relational Database Service"),
    start: "2024-12-02",
    days: 1,
  });
  labels.push({ type: "recurring", series: seriesKey("AWS Support"), start: "2024-01-31", days: 0 });
  labels.push({ type: "recurring", series: seriesKey("Datadog"), start: "2024-01-05", days: 0 });
  labels.push({ type: "tax", series: "Tax", start: "2024-01-01", days: 0 });
  return { rows, labels };
}

const round = (v: number) => Math.round(v * 100) / 100;

/** The generated data as a FOCUS-shaped CSV. */
export function labelledCsv(seed = 7): string {
  const head = "ChargePeriodStart,BilledCost,EffectiveCost,ProviderName,ServiceName,RegionName,ChargeCategory," +
    "ChargeFrequency,BillingCurrency";
  const lines = labelledBilling(seed).rows.map((r) =>
    [r.date, r.cost, r.cost, r.provider, r.service, r.region, r.category, r.frequency, "USD"].join(",")
  );
  return [head, ...lines].join("\n") + "\n";
}

/** Precision and recall of one event type. */
export interface Score {
  type: string;
  labels: number;
  found: number;
  reported: number;
  correct: number;
  precision: number;
  recall: number;
}

const near = (a: string, b: string, days: number) => Math.abs(Date.parse(a) - Date.parse(b)) <= days * 86_400_000;

/**
 * Scores reported incidents against the labels: a spike or drop is found by an incident of that
 * kind in its series (or the total, when the series is merged) overlapping its days (±1); a step
 * or launch by one of that kind within 3 days. Every incident that matches no label of its kind
 * is a false positive of its kind (one on a trend, a recurring fee or tax counts too).
 */
export function scoreIncidents(incidents: Incident[], trends: Trend[], labels: Label[]): Score[] {
  const types = ["spike", "drop", "step", "launch"] as const;
  const matches = (i: Incident, l: Label) => {
    if (i.kind !== l.type || i.series !== l.series) return false;
    if (l.type === "spike" || l.type === "drop") {
      const end = new Date(Date.parse(l.start) + (l.days - 1) * 86_400_000).toISOString().slice(0, 10);
      return i.start <= end && near(i.start, l.start, 1) || (i.start <= end && i.end >= l.start);
    }
    return near(i.start, l.start, 3);
  };
  const scores: Score[] = types.map((type) => {
    const ls = labels.filter((l) => l.type === type);
    const reported = incidents.filter((i) => i.kind === type);
    const found = ls.filter((l) => reported.some((i) => matches(i, l))).length;
    const correct = reported.filter((i) => ls.some((l) => matches(i, l))).length;
    return {
      type,
      labels: ls.length,
      found,
      reported: reported.length,
      correct,
      precision: reported.length ? correct / reported.length : 1,
      recall: ls.length ? found / ls.length : 1,
    };
  });
  const trendLabels = labels.filter((l) => l.type === "trend");
  const trendFound = trendLabels.filter((l) => trends.some((t) => t.series === l.series)).length;
  scores.push({
    type: "trend",
    labels: trendLabels.length,
    found: trendFound,
    reported: trends.length,
    correct: trends.filter((t) => trendLabels.some((l) => l.series === t.series)).length,
    precision: trends.length
      ? trends.filter((t) => trendLabels.some((l) => l.series === t.series)).length / trends.length
      : 1,
    recall: trendLabels.length ? trendFound / trendLabels.length : 1,
  });
  return scores;
}

/**
 * The labelled data as the anomaly scan sees it: usage only (tax and purchases left out), one
 * dense daily series per provider · service · region, and their total.
 */
export function labelledSeries(seed = 7): {
  dates: string[];
  series: Map<string, number[]>;
  total: number[];
  labels: Label[];
} {
  const { rows, labels } = labelledBilling(seed);
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const at = new Map(dates.map((d, i) => [d, i]));
  const series = new Map<string, number[]>();
  const total = dates.map(() => 0);
  for (const r of rows.filter((x) => x.category === "Usage")) {
    const key = [r.provider, r.service, r.region].join(" · ");
    if (!series.has(key)) series.set(key, dates.map(() => 0));
    series.get(key)![at.get(r.date)!] += r.cost;
    total[at.get(r.date)!] += r.cost;
  }
  return { dates, series, total, labels };
}
