/**
 * The FOCUS use-case suite: questions written in our own words for the use cases of the FinOps
 * Foundation's FOCUS library (v1.0–v1.1) that billing data can answer, asked through the API
 * with the built-in planner (no LLM), over the FOCUS 1.0 sample and a richer generated export.
 * Each gold answer is SQL written here, run over the file read as it is (no mapping, no
 * compiler); an answer is right when its result rows carry the gold keys and values.
 * The score by category is written to test-artifacts/use_cases.md (the README's table).
 * @module
 */
import assert from "node:assert/strict";
import type { ResultSet } from "../../analytics/arrow_json.ts";
import { tableNames } from "../../analytics/engine.ts";
import { richCsv } from "../helpers/focus_rich.ts";
import { engineTest, fixture, jsonReq, loadTable, sharedEngine, testApp, uploadReq } from "../helpers/app.ts";

interface UseCase {
  category: string;
  question: string;
  /** Gold SQL over `{t}` (the file read as it is): key columns first, then values. */
  gold: string;
  /** How many leading gold columns are keys. */
  keys?: number;
}

const USAGE = `ChargeCategory = 'Usage'`;

/** Use cases over the generated export (three months, commitments, corrections, marketplace …). */
export const RICH_CASES: UseCase[] = [
  // Cost breakdowns
  {
    category: "breakdown",
    question: "What did we spend by service?",
    gold: `SELECT ServiceName, SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "Top 3 services by billed cost in February 2025",
    gold:
      `SELECT ServiceName, SUM(BilledCost) v FROM {t} WHERE ChargePeriodStart >= '2025-02-01' AND ChargePeriodStart < '2025-03-01' GROUP BY 1 ORDER BY v DESC LIMIT 3`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "effective cost per region",
    gold: `SELECT RegionName, SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "Which region had the lowest cost in 2025?",
    gold: `SELECT RegionName, SUM(EffectiveCost) v FROM {t} WHERE RegionName IS NOT NULL GROUP BY 1 ORDER BY v LIMIT 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "cost by service category",
    gold: `SELECT ServiceCategory, SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "service costs by provider and sub account",
    gold: `SELECT ProviderName, SubAccountId, SUM(EffectiveCost) FROM {t} GROUP BY 1, 2`,
    keys: 2,
  },
  {
    category: "breakdown",
    question: "cost per sub account",
    gold: `SELECT SubAccountName, SubAccountId, SUM(EffectiveCost) FROM {t} GROUP BY 1, 2`,
    keys: 2,
  },
  {
    category: "breakdown",
    question: "compute services cost by sub account",
    gold: `SELECT SubAccountId, SUM(EffectiveCost) FROM {t} WHERE ServiceCategory = 'Compute' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "EC2 cost by region last month",
    gold:
      `SELECT RegionName, SUM(EffectiveCost) FROM {t} WHERE ServiceName = 'Amazon Elastic Compute Cloud' AND ChargePeriodStart >= '2025-03-01' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "what share of total cost is Amazon Elastic Compute Cloud?",
    gold:
      `SELECT SUM(EffectiveCost) FILTER (WHERE ServiceName = 'Amazon Elastic Compute Cloud'), SUM(EffectiveCost), 100.0 * SUM(EffectiveCost) FILTER (WHERE ServiceName = 'Amazon Elastic Compute Cloud') / SUM(EffectiveCost) FROM {t}`,
  },
  // Time and billing periods
  {
    category: "time",
    question: "monthly cost trend",
    gold: `SELECT CAST(date_trunc('month', ChargePeriodStart) AS DATE), SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "time",
    question: "billed cost per billing period",
    gold: `SELECT CAST(BillingPeriodStart AS DATE), SUM(BilledCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "time",
    question: "how much was invoiced in February 2025?",
    gold: `SELECT SUM(BilledCost) FROM {t} WHERE BillingPeriodStart = '2025-02-01'`,
  },
  {
    category: "time",
    question: "monthly billed cost by service to forecast cash flow",
    gold:
      `SELECT CAST(date_trunc('month', ChargePeriodStart) AS DATE), ServiceName, SUM(BilledCost) FROM {t} GROUP BY 1, 2`,
    keys: 2,
  },
  {
    category: "time",
    question: "compare February and March by service",
    gold:
      `SELECT ServiceName, SUM(EffectiveCost) FILTER (WHERE ChargePeriodStart < '2025-03-01' AND ChargePeriodStart >= '2025-02-01'), SUM(EffectiveCost) FILTER (WHERE ChargePeriodStart >= '2025-03-01') FROM {t} WHERE ChargePeriodStart >= '2025-02-01' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "time",
    question: "billed cost per provider and billing account to check against invoices",
    gold: `SELECT ProviderName, BillingAccountName, SUM(BilledCost) FROM {t} GROUP BY 1, 2`,
    keys: 2,
  },
  // Several measures, units
  {
    category: "measures",
    question: "list vs billed vs effective cost per service",
    gold: `SELECT ServiceName, SUM(ListCost), SUM(BilledCost), SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "measures",
    question: "contracted and effective cost by provider",
    gold: `SELECT ProviderName, SUM(ContractedCost), SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "measures",
    question: "cost per unit for EC2",
    gold:
      `SELECT ConsumedUnit, SUM(EffectiveCost) / SUM(ConsumedQuantity) FROM {t} WHERE ServiceName = 'Amazon Elastic Compute Cloud' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "measures",
    question: "S3 cost with quantity and unit",
    gold:
      `SELECT ConsumedUnit, SUM(ConsumedQuantity) FROM {t} WHERE ServiceName = 'Amazon Simple Storage Service' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "measures",
    question: "usage-only cost by service category",
    gold: `SELECT ServiceCategory, SUM(EffectiveCost) FROM {t} WHERE ${USAGE} GROUP BY 1`,
    keys: 1,
  },
  // Savings and commitments
  {
    category: "savings",
    question: "what is our effective savings rate?",
    gold: `SELECT 100.0 * (SUM(ListCost) - SUM(EffectiveCost)) / SUM(ListCost) FROM {t} WHERE ${USAGE}`,
  },
  {
    category: "savings",
    question: "effective savings rate by service",
    gold:
      `SELECT ServiceName, 100.0 * (SUM(ListCost) - SUM(EffectiveCost)) / NULLIF(SUM(ListCost), 0) FROM {t} WHERE ${USAGE} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "savings",
    question: "savings against contracted cost",
    gold: `SELECT SUM(ContractedCost) - SUM(EffectiveCost) FROM {t} WHERE ${USAGE}`,
  },
  {
    category: "savings",
    question: "commitment utilization",
    gold:
      `SELECT 100.0 * SUM(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used') / SUM(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus IN ('Used', 'Unused')) FROM {t}`,
  },
  {
    category: "savings",
    question: "commitment coverage last month",
    gold:
      `SELECT 100.0 * SUM(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus = 'Used') / SUM(EffectiveCost) FILTER (WHERE CommitmentDiscountStatus IS NULL OR CommitmentDiscountStatus = 'Used') FROM {t} WHERE ${USAGE} AND ChargePeriodStart >= '2025-03-01'`,
  },
  {
    category: "savings",
    question: "unused commitments",
    gold:
      `SELECT CommitmentDiscountId, SUM(EffectiveCost) FROM {t} WHERE CommitmentDiscountStatus = 'Unused' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "savings",
    question: "recurring commitment charges per month",
    gold:
      `SELECT CAST(date_trunc('month', ChargePeriodStart) AS DATE), SUM(BilledCost) FROM {t} WHERE ChargeCategory = 'Purchase' AND ChargeFrequency = 'Recurring' AND CommitmentDiscountId IS NOT NULL GROUP BY 1`,
    keys: 1,
  },
  {
    category: "savings",
    question: "commitment purchases by commitment type",
    gold:
      `SELECT CommitmentDiscountType, SUM(BilledCost) FROM {t} WHERE ChargeCategory = 'Purchase' AND CommitmentDiscountId IS NOT NULL GROUP BY 1`,
    keys: 1,
  },
  {
    category: "savings",
    question: "savings plan cost",
    gold: `SELECT SUM(EffectiveCost) FROM {t} WHERE CommitmentDiscountType = 'Savings Plan'`,
  },
  // Allocation
  {
    category: "allocation",
    question: "tag coverage",
    gold: `SELECT 100.0 * SUM(EffectiveCost) FILTER (WHERE Tags IS NOT NULL) / SUM(EffectiveCost) FROM {t}`,
  },
  {
    category: "allocation",
    question: "tag coverage by provider",
    gold:
      `SELECT ProviderName, 100.0 * SUM(EffectiveCost) FILTER (WHERE Tags IS NOT NULL) / SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "allocation",
    question: "how much did we spend on tagged vs untagged resources?",
    gold: `SELECT CASE WHEN Tags IS NULL THEN 'untagged' ELSE 'tagged' END, SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "allocation",
    question: "untagged cost by service",
    gold: `SELECT ServiceName, SUM(EffectiveCost) FROM {t} WHERE Tags IS NULL GROUP BY 1`,
    keys: 1,
  },
  {
    category: "allocation",
    question: "cost by team tag",
    gold: `SELECT NULLIF(regexp_extract(Tags, '"team":"([^"]*)"', 1), ''), SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  // Charge types
  {
    category: "charges",
    question: "corrections by service",
    gold: `SELECT ServiceName, SUM(BilledCost) FROM {t} WHERE ChargeClass = 'Correction' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "charges",
    question: "corrections by sub account for the March billing period",
    gold:
      `SELECT SubAccountId, SUM(BilledCost) FROM {t} WHERE ChargeClass = 'Correction' AND BillingPeriodStart = '2025-03-01' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "charges",
    question: "how much tax did we pay per month?",
    gold:
      `SELECT CAST(date_trunc('month', ChargePeriodStart) AS DATE), SUM(EffectiveCost) FROM {t} WHERE ChargeCategory = 'Tax' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "charges",
    question: "total credits",
    gold: `SELECT SUM(EffectiveCost) FROM {t} WHERE ChargeCategory = 'Credit'`,
  },
  {
    category: "charges",
    question: "marketplace spend by publisher",
    gold:
      `SELECT PublisherName, SUM(EffectiveCost) FROM {t} WHERE PublisherName <> ProviderName AND PublisherName <> InvoiceIssuerName GROUP BY 1`,
    keys: 1,
  },
  {
    category: "charges",
    question: "billed cost excluding tax and credits",
    gold: `SELECT SUM(BilledCost) FROM {t} WHERE ChargeCategory NOT IN ('Tax', 'Credit')`,
  },
  // Counts
  {
    category: "counts",
    question: "number of sub accounts per region",
    gold: `SELECT RegionName, COUNT(DISTINCT SubAccountId) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "counts",
    question: "how many services does each provider have?",
    gold: `SELECT ProviderName, COUNT(DISTINCT ServiceName) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "counts",
    question: "how many resources do we have?",
    gold: `SELECT COUNT(DISTINCT ResourceId) FROM {t}`,
  },
  {
    category: "counts",
    question: "number of SKUs per service category",
    gold: `SELECT ServiceCategory, COUNT(DISTINCT SkuId) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  // Budgets
  {
    category: "budget",
    question: "March 2025 billed cost against a $9,000 budget",
    gold: `SELECT SUM(BilledCost) FROM {t} WHERE ChargePeriodStart >= '2025-03-01'`,
  },
  {
    category: "budget",
    question: "EC2 cost in February 2025 vs a $500 budget",
    gold:
      `SELECT SUM(EffectiveCost) FROM {t} WHERE ServiceName = 'Amazon Elastic Compute Cloud' AND ChargePeriodStart >= '2025-02-01' AND ChargePeriodStart < '2025-03-01'`,
  },
];

/** Use cases over the FOCUS 1.0 sample (one month, four providers). */
export const SAMPLE_CASES: UseCase[] = [
  {
    category: "breakdown",
    question: "cost by sub account for the top 5",
    gold: `SELECT SubAccountId, SUM(EffectiveCost) v FROM {t} GROUP BY 1 ORDER BY v DESC LIMIT 5`,
    keys: 1,
  },
  {
    category: "breakdown",
    question: "billed cost by service category",
    gold: `SELECT ServiceCategory, SUM(BilledCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "savings",
    question: "effective savings rate",
    gold: `SELECT 100.0 * (SUM(ListCost) - SUM(EffectiveCost)) / SUM(ListCost) FROM {t} WHERE ${USAGE}`,
  },
  {
    category: "measures",
    question: "list vs billed vs effective per provider",
    gold: `SELECT ProviderName, SUM(ListCost), SUM(BilledCost), SUM(EffectiveCost) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "charges",
    question: "marketplace charges by service",
    gold:
      `SELECT ServiceName, SUM(EffectiveCost) FROM {t} WHERE PublisherName <> ProviderName AND PublisherName <> InvoiceIssuerName GROUP BY 1`,
    keys: 1,
  },
  {
    category: "counts",
    question: "number of sub accounts per provider",
    gold: `SELECT ProviderName, COUNT(DISTINCT SubAccountId) FROM {t} GROUP BY 1`,
    keys: 1,
  },
  {
    category: "allocation",
    question: "tag coverage",
    gold: `SELECT 100.0 * SUM(EffectiveCost) FILTER (WHERE Tags IS NOT NULL) / SUM(EffectiveCost) FROM {t}`,
  },
  {
    category: "breakdown",
    question: "what share of total cost is Amazon Elastic Compute Cloud?",
    gold:
      `SELECT SUM(EffectiveCost) FILTER (WHERE ServiceName = 'Amazon Elastic Compute Cloud'), 100.0 * SUM(EffectiveCost) FILTER (WHERE ServiceName = 'Amazon Elastic Compute Cloud') / SUM(EffectiveCost) FROM {t}`,
  },
  {
    category: "charges",
    question: "credits by provider",
    gold: `SELECT ProviderName, SUM(EffectiveCost) FROM {t} WHERE ChargeCategory = 'Credit' GROUP BY 1`,
    keys: 1,
  },
  {
    category: "counts",
    question: "how many regions per provider",
    gold: `SELECT ProviderName, COUNT(DISTINCT RegionName) FROM {t} GROUP BY 1`,
    keys: 1,
  },
];

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 + 1e-9 * Math.abs(b);
const cellText = (
  v: unknown,
) => (v === null || v === undefined
  ? null
  : String(v).slice(0, 10) === String(v).slice(0, 10) && /^\d{4}-\d{2}-\d{2}/.test(String(v))
  ? String(v).slice(0, 10)
  : String(v));

/** Whether the answer's rows carry every gold row: its keys as cells, its values as numbers. */
export function matchesGold(answer: ResultSet | null, gold: ResultSet, keys = 0, bottomN = false): string | null {
  if (!answer) return "no result";
  // A bottom-N answer lists charges without a value apart, after the ranking: not a ranked row.
  const rows = answer.rows.filter((r) => !(keys === 0 && r.every((v) => v === null)) && !(bottomN && r[0] === null));
  const goldRows = gold.rows.filter((r) => r.slice(keys).some((v) => v !== null));
  const wanted = keys ? goldRows.length : 1;
  const dataRows = keys ? rows.filter((r) => r.some((v) => typeof v === "number")) : rows;
  if (keys && dataRows.length !== wanted) return `${dataRows.length} rows, gold has ${wanted}`;
  for (const g of goldRows.slice(0, wanted)) {
    const keyCells = g.slice(0, keys).map(cellText);
    const values = g.slice(keys).filter((v) => v !== null).map(Number);
    const hit = dataRows.find((r) => {
      const cells = r.map(cellText);
      const nums = r.filter((v) => typeof v === "number" || (typeof v === "string" && /^-?\d/.test(v))).map(Number);
      return keyCells.every((k) => cells.includes(k)) && values.every((v) => nums.some((n) => close(n, v)));
    });
    if (!hit) return `no row for ${JSON.stringify(g)}`;
  }
  return null;
}

const HONEST = /did not use|not sure what you mean|can't answer|cannot answer|has no .* column|not answered/i;

interface Outcome {
  category: string;
  question: string;
  right: boolean;
  honest: boolean;
  why: string | null;
}

async function runSuite(file: string, csv: Uint8Array, cases: UseCase[]): Promise<Outcome[]> {
  const engine = await sharedEngine();
  const goldId = crypto.randomUUID().replaceAll("-", "");
  await loadTable(engine, goldId, new TextDecoder().decode(csv));
  // Dates are read as text by the plain read; the gold casts them itself.
  const table = `(SELECT * REPLACE (CAST(ChargePeriodStart AS TIMESTAMP) AS ChargePeriodStart, ` +
    `CAST(BillingPeriodStart AS TIMESTAMP) AS BillingPeriodStart) FROM "${tableNames(goldId).view}")`;
  const running = await testApp();
  const { app } = running;
  const out: Outcome[] = [];
  try {
    for (const c of cases) {
      const created = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
      const id = (await created.json()).session_id;
      const up = await app.request(`/session/${id}/upload-csv`, uploadReq(csv, file));
      assert.equal(up.status, 200, file);
      const r = await app.request(`/session/${id}/query`, jsonReq("POST", { query: c.question }));
      const body = await r.json();
      assert.equal(r.status, 200, `${c.question}: ${JSON.stringify(body)}`);
      const gold = await engine.query(goldId, c.gold.replaceAll("{t}", table));
      const bottomN = body.plan?.order === "asc" && body.plan?.topN !== null;
      const why = matchesGold(body.result, gold, c.keys ?? 0, bottomN);
      out.push({
        category: c.category,
        question: c.question,
        right: why === null,
        honest: HONEST.test(body.response),
        why,
      });
    }
  } finally {
    await running.close();
    await engine.unload(goldId);
  }
  return out;
}

function scoreTable(outcomes: Outcome[]): string {
  const cats = [...new Set(outcomes.map((o) => o.category))];
  const lines = ["| category | questions | right | honest (not right, said so) | wrong |", "|---|---|---|---|---|"];
  for (const c of [...cats, "all"]) {
    const os = c === "all" ? outcomes : outcomes.filter((o) => o.category === c);
    const right = os.filter((o) => o.right).length;
    const honest = os.filter((o) => !o.right && o.honest).length;
    lines.push(`| ${c} | ${os.length} | ${right} | ${honest} | ${os.length - right - honest} |`);
  }
  return lines.join("\n");
}

Deno.test({
  name: "FOCUS use cases: ≥ 90 % right without an LLM, the rest honest (score by category in test-artifacts/)",
  ...engineTest,
  fn: async () => {
    const outcomes = [
      ...await runSuite("focus-rich.csv", new TextEncoder().encode(richCsv()), RICH_CASES),
      ...await runSuite("focus_sample.csv", await Deno.readFile(fixture("focus_sample.csv")), SAMPLE_CASES),
    ];
    const table = scoreTable(outcomes);
    await Deno.mkdir("test-artifacts", { recursive: true });
    const misses = outcomes.filter((o) => !o.right).map((o) =>
      `- ${o.question}: ${o.why}${o.honest ? " (said so)" : ""}`
    );
    await Deno.writeTextFile("test-artifacts/use_cases.md", `${table}\n\n${misses.join("\n")}\n`);
    console.log(`${table}\n${misses.join("\n")}`);
    assert.ok(outcomes.length >= 40);
    const right = outcomes.filter((o) => o.right).length;
    assert.ok(right / outcomes.length >= 0.9, `${right} of ${outcomes.length} right`);
    const wrong = outcomes.filter((o) => !o.right && !o.honest);
    assert.deepEqual(wrong.map((o) => o.question), [], "answered confidently but wrong");
  },
});
