/** The metrics registry and its Prometheus text format. */
import assert from "node:assert/strict";
import { LATENCY_BUCKETS, Metrics } from "../../metrics.ts";

Deno.test("metrics: counters, histograms with cumulative buckets, gauges, escaped labels", () => {
  const m = new Metrics();
  m.count("http_requests_total", { route: "/health", method: "GET", status: "200" });
  m.count("http_requests_total", { route: "/health", method: "GET", status: "200" });
  m.count("errors_total", { code: 'we"ird\n' });
  for (const v of [0.003, 0.02, 0.2, 20]) m.observe("http_request_duration_seconds", { route: "/health" }, v);
  const text = m.render([{ name: "sessions_active", help: "Sessions", value: 3 }]);
  assert.match(
    text,
    /# TYPE http_requests_total counter\nhttp_requests_total\{route="\/health",method="GET",status="200"\} 2\n/,
  );
  assert.match(text, /errors_total\{code="we\\"ird\\n"\} 1/);
  assert.match(text, /# TYPE http_request_duration_seconds histogram/);
  assert.match(text, /http_request_duration_seconds_bucket\{route="\/health",le="0\.005"\} 1\n/);
  assert.match(text, /http_request_duration_seconds_bucket\{route="\/health",le="0\.025"\} 2\n/);
  assert.match(text, /http_request_duration_seconds_bucket\{route="\/health",le="10"\} 3\n/);
  assert.match(text, /http_request_duration_seconds_bucket\{route="\/health",le="\+Inf"\} 4\n/);
  assert.match(text, /http_request_duration_seconds_count\{route="\/health"\} 4\n/);
  assert.match(text, /http_request_duration_seconds_sum\{route="\/health"\} 20\.223/);
  assert.match(text, /# TYPE sessions_active gauge\nsessions_active 3\n$/);
  assert.equal(LATENCY_BUCKETS.length, 11);
});
