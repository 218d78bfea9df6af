/**
 * In-process metrics in the Prometheus text format: counters and histograms with labels, kept
 * in memory per process (each instance is scraped on its own, as Prometheus expects).
 *
 * @example
 * const m = new Metrics();
 * m.count("http_requests_total", { route: "/health", status: "200" });
 * m.observe("http_request_duration_seconds", { route: "/health" }, 0.004);
 * m.render(); // → "# TYPE http_requests_total counter\nhttp_requests_total{route=\"/health\",…} 1\n…"
 * @module
 */

/** Upper bounds of latency histogram buckets, in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

const HELP: Record<string, string> = {
  http_requests_total: "HTTP requests by route pattern, method and status",
  http_request_duration_seconds: "HTTP request latency by route pattern",
  query_duration_seconds: "Question latency by intent and planner",
  errors_total: "Errors answered, by error code",
};

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** A registry of counters and histograms. */
export class Metrics {
  #counters = new Map<string, Map<string, number>>();
  #histograms = new Map<string, Map<string, Histogram>>();

  /** Adds to a counter. */
  count(name: string, labels: Labels = {}, by = 1): void {
    const series = this.#counters.get(name) ?? new Map<string, number>();
    this.#counters.set(name, series);
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  /** Records one observation in a histogram (seconds for latencies). */
  observe(name: string, labels: Labels, value: number): void {
    const series = this.#histograms.get(name) ?? new Map<string, Histogram>();
    this.#histograms.set(name, series);
    const key = labelText(labels);
    const h = series.get(key) ?? { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
    series.set(key, h);
    LATENCY_BUCKETS.forEach((b, i) => {
      if (value <= b) h.buckets[i]++;
    });
    h.sum += value;
    h.count++;
  }

  /** The registry in Prometheus text format, with values read at scrape time appended. */
  render(
    gauges: { name: string; help: string; value: number; labels?: Labels; type?: "gauge" | "counter" }[] = [],
  ): string {
    const out: string[] = [];
    for (const [name, series] of this.#counters) {
      out.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} counter`);
      for (const [labels, v] of series) out.push(`${name}${labels} ${v}`);
    }
    for (const [name, series] of this.#histograms) {
      out.push(`# HELP ${name} ${HELP[name] ?? name}`, `# TYPE ${name} histogram`);
      for (const [labels, h] of series) {
        const inner = labels ? labels.slice(1, -1) + "," : "";
        LATENCY_BUCKETS.forEach((b, i) => out.push(`${name}_bucket{${inner}le="${b}"} ${h.buckets[i]}`));
        out.push(`${name}_bucket{${inner}le="+Inf"} ${h.count}`);
        out.push(`${name}_sum${labels} ${h.sum}`, `${name}_count${labels} ${h.count}`);
      }
    }
    const seen = new Set<string>();
    for (const g of gauges) {
      if (!seen.has(g.name)) out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type ?? "gauge"}`);
      seen.add(g.name);
      out.push(`${g.name}${labelText(g.labels ?? {})} ${g.value}`);
    }
    return out.join("\n") + "\n";
  }
}
