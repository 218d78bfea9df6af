/**
 * Budgets against a bill with a known answer, set over REST and in chat; alerts posted to a
 * webhook receiver on loopback by the daily job (invoked directly): a failure, then a retry, and
 * no duplicate on the next run; signatures that verify; webhook hosts checked; the digest.
 */
import assert from "node:assert/strict";
import { postDigests, runAlerts } from "../../agents/alerts.ts";
import { listDeliveries } from "../../memory/budgets.ts";
import { askOk, engineTest, jsonReq, newSession, testApp, uploadReq } from "../helpers/app.ts";

const running = await testApp({ webhookHosts: ["127.0.0.1"], webhookAllowPrivate: true });
const { app, deps } = running;

/**
 * EC2 $100 and S3 $10 every day from 2025-01-01 to 2025-03-10. Every forecast model carries a
 * flat line forward exactly, so March ends at 31 × $100 for EC2 (gold by hand: $1,000 to date,
 * $3,100 for the month, $3,000 reached on March 30) and 31 × $110 = $3,410 for the bill.
 */
function flatBill(): string {
  const lines = ["ChargePeriodStart,ServiceName,BilledCost,BillingCurrency"];
  for (let d = 0; d < 69; d++) {
    const iso = new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${iso},Amazon Elastic Compute Cloud,100,USD`, `${iso},Amazon Simple Storage Service,10,USD`);
  }
  return lines.join("\n") + "\n";
}

async function flatSession(): Promise<string> {
  const id = await newSession(app, false);
  const r = await app.request(`/session/${id}/upload-csv`, uploadReq(flatBill(), "flat.csv"));
  assert.equal(r.status, 200);
  await r.body?.cancel();
  return id;
}

type Status = {
  status: string;
  month: string;
  month_to_date: number;
  forecast: { total: number; lo80: number; hi80: number } | null;
  probability_over: number;
  crosses_on: string | null;
  scope: string;
  text: string;
};

async function setBudget(id: string, body: Record<string, unknown>): Promise<Status> {
  const r = await app.request(`/session/${id}/budgets`, jsonReq("POST", body));
  const out = await r.json();
  assert.equal(r.status, 200, JSON.stringify(out));
  return out;
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 0.01, `${what}: ${a} ≠ ${b}`);

Deno.test({
  name: "budgets: month to date, forecast, probability of going over and crossing day against a known answer",
  ...engineTest,
  async fn() {
    const id = await flatSession();
    const ec2 = await setBudget(id, { amount: 3000, service: "EC2" });
    assert.equal(ec2.scope, "Amazon Elastic Compute Cloud (service)");
    assert.equal(ec2.month, "2025-03");
    near(ec2.month_to_date, 1000, "EC2 to date");
    near(ec2.forecast!.total, 3100, "EC2 month");
    assert.equal(ec2.probability_over, 1);
    assert.equal(ec2.crosses_on, "2025-03-30");
    assert.equal(ec2.status, "likely_over");
    assert.match(ec2.text, /\$3,100\.00/);

    const bill = await setBudget(id, { amount: 3500 });
    near(bill.month_to_date, 1100, "bill to date");
    near(bill.forecast!.total, 3410, "bill month");
    assert.equal(bill.probability_over, 0);
    assert.equal(bill.crosses_on, null);
    assert.equal(bill.status, "on_track");

    const over = await setBudget(id, { amount: 900, service: "Amazon Elastic Compute Cloud" });
    assert.equal(over.status, "over");
    assert.equal(over.crosses_on, "2025-03-09", "$900 reached on the 9th");

    const list = await (await app.request(`/session/${id}/budgets`)).json();
    assert.equal(list.budgets.length, 3);
    const bad = await app.request(`/session/${id}/budgets`, jsonReq("POST", { amount: 100, service: "Quantum" }));
    assert.equal(bad.status, 422);
    assert.match((await bad.json()).error.message, /No single service matches "Quantum"/);
    const two = await app.request(
      `/session/${id}/budgets`,
      jsonReq("POST", { amount: 1, service: "EC2", account: "a" }),
    );
    assert.equal(two.status, 400);
    await two.body?.cancel();
  },
});

Deno.test({
  name:
    "budgets: the probability of going over is read from the forecast's simulated totals (lo80 → ≈ 90 %, hi80 → ≈ 10 %)",
  ...engineTest,
  async fn() {
    // Noisy days (a fixed pseudo-random sequence) ending mid-month, so half the month is forecast.
    const lines = ["ChargePeriodStart,ServiceName,BilledCost,BillingCurrency"];
    let seed = 7;
    for (let d = 0; d < 74; d++) {
      seed = (seed * 16807) % 2147483647;
      const iso = new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
      lines.push(`${iso},Amazon EC2,${(100 + (seed / 2147483647) * 40).toFixed(2)},USD`);
    }
    const id = await newSession(app, false);
    const up = await app.request(`/session/${id}/upload-csv`, uploadReq(lines.join("\n") + "\n", "noisy.csv"));
    assert.equal(up.status, 200);
    await up.body?.cancel();
    const probe = await setBudget(id, { amount: 1 });
    const at = async (amount: number) => (await setBudget(id, { amount })).probability_over;
    near(probe.probability_over, 1, "a $1 budget");
    assert.equal(probe.month, "2025-03");
    assert.ok(probe.forecast!.hi80 > probe.forecast!.lo80, "an interval, not a point");
    const low = await at(probe.forecast!.lo80);
    const high = await at(probe.forecast!.hi80);
    assert.ok(Math.abs(low - 0.9) <= 0.02, `P(over lo80) = ${low}`);
    assert.ok(Math.abs(high - 0.1) <= 0.02, `P(over hi80) = ${high}`);
  },
});

Deno.test({
  name: "budgets in chat: 'set a $3k monthly budget for EC2', then 'are we on track?'",
  ...engineTest,
  async fn() {
    const id = await flatSession();
    const none = await askOk<{ response: string }>(app, id, "are we over budget this month?");
    assert.match(none.response, /I don't know your budget.*set a \$5,000 monthly budget/s);
    const set = await askOk<{ response: string; subagent: string }>(app, id, "set a $3k monthly budget for EC2");
    assert.equal(set.subagent, "budgets");
    assert.match(set.response, /Budget saved/);
    assert.match(set.response, /\$3,000\.00 a month for Amazon Elastic Compute Cloud/);
    assert.match(set.response, /Probability of going over: 100\.0%/);
    assert.match(set.response, /Expected to cross the budget on 2025-03-30/);
    const vague = await askOk<{ response: string }>(app, id, "set a $5k monthly budget for quantum computing");
    assert.match(vague.response, /^No budget was set\. No single service matches "quantum computing"/);
    const track = await askOk<{ response: string }>(app, id, "are we on track?");
    assert.match(track.response, /likely to go over/);
    const budgets = await (await app.request(`/session/${id}/budgets`)).json();
    assert.equal(budgets.budgets.length, 1);
  },
});

/** A webhook receiver on loopback that fails its first `failFirst` requests with 500. */
function receiver(failFirst: number) {
  const got: { body: string; timestamp: string; signature: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    got.push({
      body: await req.text(),
      timestamp: req.headers.get("x-finops-timestamp") ?? "",
      signature: req.headers.get("x-finops-signature") ?? "",
    });
    return new Response("ok", { status: got.length <= failFirst ? 500 : 200 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/hook`, got, close: () => server.shutdown() };
}

/** HMAC-SHA256 in hex, computed here with node:crypto (independently of the app's Web Crypto code). */
async function expectedSignature(secret: string, message: string): Promise<string> {
  const { createHmac } = await import("node:crypto");
  return createHmac("sha256", secret).update(message).digest("hex");
}

Deno.test({
  name: "alerts: the daily job posts a budget alert once — a failure, a retry, signed; no duplicate on the next run",
  ...engineTest,
  async fn() {
    const id = await flatSession();
    await askOk(app, id, "set a $3k monthly budget for EC2"); // set in chat; likely over
    await setBudget(id, { amount: 99_999 }); // on track: no alert
    await setBudget(id, { amount: 2_000, alert_at_pct: 50 }); // $1,100 to date: 50 % reached, $3,410 forecast
    const hook = receiver(1);
    try {
      const set = await app.request(`/session/${id}/webhook`, jsonReq("PUT", { url: hook.url }));
      assert.equal(set.status, 200);
      const { secret } = await set.json();
      assert.match(secret, /^[0-9a-f]{64}$/);

      const first = await runAlerts(deps, { attempts: 3, firstDelayMs: 10 });
      // EC2 likely over; the $2,000 budget likely over and at 50 %: three alerts, the first retried once.
      assert.deepEqual({ sent: first.sent, failed: first.failed }, { sent: 3, failed: 0 });
      assert.equal(hook.got.length, 4, "one failure, then the retry, then two more");
      const retried = hook.got[1];
      assert.equal(
        retried.signature,
        `sha256=${await expectedSignature(secret, `${retried.timestamp}.${retried.body}`)}`,
      );
      const texts = hook.got.slice(1).map((g) => JSON.parse(g.body).text as string);
      assert.ok(texts.every((t) => /budget alert/.test(t)));
      assert.equal(texts.filter((t) => /Amazon Elastic Compute Cloud/.test(t)).length, 1);
      assert.equal(texts.filter((t) => /50% of the budget reached/.test(t)).length, 1);
      assert.ok(texts.every((t) => !/99,999/.test(t)), "only the budgets that need it");

      const second = await runAlerts(deps, { attempts: 3, firstDelayMs: 10 });
      assert.equal(second.sent, 0);
      assert.equal(second.skipped, 3, "already sent");
      assert.equal(hook.got.length, 4, "no duplicate");
      const deliveries = await listDeliveries(deps.kv, id);
      assert.deepEqual(deliveries.map((d) => [d.ok, d.attempts]).sort(), [[true, 1], [true, 1], [true, 2]]);
    } finally {
      await hook.close();
    }
  },
});

Deno.test({
  name: "alerts: a delivery that fails every attempt is recorded and sent by the next run",
  ...engineTest,
  async fn() {
    const id = await flatSession();
    await setBudget(id, { amount: 3000, service: "EC2" });
    const hook = receiver(3);
    try {
      assert.equal((await app.request(`/session/${id}/webhook`, jsonReq("PUT", { url: hook.url }))).status, 200);
      const first = await runAlerts(deps, { attempts: 3, firstDelayMs: 5 });
      assert.equal(first.failed, 1);
      const second = await runAlerts(deps, { attempts: 3, firstDelayMs: 5 });
      assert.equal(second.sent, 1, "the claim was released, so it is sent now");
      assert.equal(hook.got.length, 4);
      const deliveries = await listDeliveries(deps.kv, id);
      assert.deepEqual(deliveries.map((d) => d.ok), [false, true]);
    } finally {
      await hook.close();
    }
  },
});

Deno.test({
  name: "webhooks: only configured hosts; never loopback or private unless allowed; no credentials in the URL",
  ...engineTest,
  async fn() {
    const strict = await testApp({ webhookHosts: ["hooks.slack.com", "127.0.0.1"], webhookAllowPrivate: false });
    try {
      const id = await newSession(strict.app);
      const put = (url: string) => strict.app.request(`/session/${id}/webhook`, jsonReq("PUT", { url }));
      for (
        const [url, status] of [
          ["https://evil.example/hook", 422],
          ["http://127.0.0.1:9/hook", 422],
          ["https://user:pw@hooks.slack.com/x", 400],
          ["ftp://hooks.slack.com/x", 400],
        ] as const
      ) {
        const r = await put(url);
        assert.equal(r.status, status, url);
        await r.body?.cancel();
      }
      const ok = await put("https://hooks.slack.com/services/T0/B0/X");
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    } finally {
      await strict.close();
    }
  },
});

Deno.test({
  name: "digest: what changed, incidents, budgets and forecast, as the session answers them, without method jargon",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const budget = await setBudget(id, { amount: 40_000 });
    const r = await app.request(`/session/${id}/digest`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /text\/markdown/);
    const md = await r.text();
    for (const h of ["## What changed", "## Anomaly incidents", "## Budgets", "## Forecast"]) {
      assert.ok(md.includes(h), h);
    }
    assert.ok(md.includes(budget.text.split("\n")[0]), "the budget's status as the API states it");
    const change = await askOk<{ response: string }>(app, id, "why did cost change last month?");
    assert.ok(md.includes(change.response.split("\n")[0]), "the same figures as the chat");
    assert.doesNotMatch(md, /_How:|\*\*Method:\*\*/);
    const history = await (await app.request(`/session/${id}/history`)).json();
    assert.equal(history.total_messages, 2, "the digest asks nothing into the conversation");
  },
});

Deno.test({
  name: "digest: posted once a week to the webhook (the Monday job, invoked directly)",
  ...engineTest,
  async fn() {
    const id = await flatSession();
    const hook = receiver(0);
    try {
      assert.equal((await app.request(`/session/${id}/webhook`, jsonReq("PUT", { url: hook.url }))).status, 200);
      const monday = new Date(Date.UTC(2026, 10, 30, 7, 15));
      const first = await postDigests(deps, monday, { attempts: 1, firstDelayMs: 1 });
      const again = await postDigests(deps, new Date(monday.getTime() + 3_600_000), { attempts: 1, firstDelayMs: 1 });
      assert.equal(first.sent, 1);
      assert.equal(again.sent, 0, "once per week");
      assert.equal(hook.got.length, 1);
      assert.match(JSON.parse(hook.got[0].body).text, /^# FinOps weekly digest: flat\.csv/);
    } finally {
      await hook.close();
    }
  },
});

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
