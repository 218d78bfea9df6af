/**
 * Generates a FOCUS-style CSV of N rows quickly (deterministic), for benchmarks.
 * @module
 */
import { mulberry32 } from "../data/generate_sample.ts";

const SERVICES = [
  "Amazon Elastic Compute Cloud",
  "Amazon Simple Storage Service",
  "Amazon Relational Database Service",
  "AWS Lambda",
  "Amazon CloudFront",
  "Amazon DynamoDB",
  "Amazon Elastic Kubernetes Service",
  "Virtual Machines",
  "Storage",
  "Amazon SageMaker",
];
const REGIONS = [["us-east-1", "US East (N. Virginia)"], ["us-west-2", "US West (Oregon)"], [
  "eu-west-1",
  "Europe (Ireland)",
], ["eastus", "East US"]];
const ACCOUNTS = ["prod-platform", "prod-data", "staging", "dev-sandbox", "analytics", "security"];

const HEADER =
  "ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,ListCost,BillingCurrency,ServiceName,RegionId,RegionName,SubAccountName,ResourceId,ChargeCategory,PricingQuantity,ProviderName";

/** The CSV's lines (header first, no line ends), `rows` rows over `days` days from 2025-01-01. */
export function* focusLines(rows: number, days = 180, seed = 7): Generator<string> {
  const rnd = mulberry32(seed);
  yield HEADER;
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < rows; i++) {
    const d = new Date(start + Math.floor((i / rows) * days) * 86_400_000).toISOString().slice(0, 10);
    const s = SERVICES[Math.floor(rnd() * SERVICES.length)];
    const [rid, rname] = REGIONS[Math.floor(rnd() * REGIONS.length)];
    const acct = ACCOUNTS[Math.floor(rnd() * ACCOUNTS.length)];
    const billed = Math.round(rnd() * 5000) / 100;
    yield `${d} 00:00:00,${d} 23:59:59,${billed},${(billed * 0.9).toFixed(4)},${
      (billed * 1.1).toFixed(4)
    },USD,${s},${rid},"${rname}",${acct},res-${Math.floor(rnd() * 5000)},Usage,${(rnd() * 100).toFixed(3)},AWS`;
  }
}

/** CSV text with `rows` rows over `days` days starting 2025-01-01 (up to a few million rows). */
export function focusCsv(rows: number, days = 180, seed = 7): string {
  return [...focusLines(rows, days, seed)].join("\n") + "\n";
}

/**
 * Writes the same CSV as {@link focusCsv} to `path` in batches, for sizes past the longest
 * string V8 allows (5M rows ≈ 750 MB).
 */
export async function writeFocusCsv(path: string, rows: number, days = 180, seed = 7): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  let batch: string[] = [];
  const flush = async () => {
    const bytes = enc.encode(batch.join("\n") + "\n");
    for (let off = 0; off < bytes.byteLength;) off += await file.write(bytes.subarray(off));
    batch = [];
  };
  for (const line of focusLines(rows, days, seed)) {
    batch.push(line);
    if (batch.length === 100_000) await flush();
  }
  if (batch.length) await flush();
}
