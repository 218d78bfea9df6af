/**
 * A full analysis as a new user walks it, in Chromium at 1440×900 and 390×844: sample data,
 * a ranking, a follow-up, a trend chart, a forecast, anomalies, a cost change, a knowledge
 * question, nonsense, a very long question, an AWS CUR upload, export, clear, session switching,
 * reload, keyboard only and axe-core. After every answer each chart must fit its container (no
 * sideways scrolling). Screenshots of every step go to test-artifacts/walk-*.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Locator, Page } from "playwright-core";
import { ARTIFACTS, chromiumPath, openApp, withBrowser } from "../helpers/browser.ts";

const AXE_SOURCE = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url);
const CUR = new URL("../fixtures/aws-cur-legacy-sample.csv", import.meta.url);

/** Serious and critical axe-core violations on the page (axe's source evaluated in, as the CSP forbids inline scripts). */
async function seriousViolations(page: Page): Promise<unknown[]> {
  await page.evaluate(await Deno.readTextFile(AXE_SOURCE));
  return await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const g = globalThis as any;
    const result = await g.axe.run(g.document, { resultTypes: ["violations"] });
    // deno-lint-ignore no-explicit-any
    return result.violations.filter((v: any) => v.impact === "serious" || v.impact === "critical")
      // deno-lint-ignore no-explicit-any
      .map((v: any) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")) }));
  });
}

/** Every chart (and the page) fits its width: no sideways scrolling anywhere. */
async function assertFits(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    // deno-lint-ignore no-explicit-any
    const doc = (globalThis as any).document;
    // deno-lint-ignore no-explicit-any
    const charts = [...doc.querySelectorAll(".chart")].map((c: any) => {
      const svg = c.querySelector("svg");
      return {
        scroll: c.scrollWidth - c.clientWidth,
        drawn: svg ? Math.round(svg.getBoundingClientRect().width - c.getBoundingClientRect().width) : 0,
      };
    });
    return { page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth, charts };
  });
  assert.ok(overflow.page <= 0, `${where}: the page scrolls sideways by ${overflow.page}px`);
  overflow.charts.forEach((c: { scroll: number; drawn: number }, i: number) => {
    assert.ok(c.scroll <= 0 && c.drawn <= 1, `${where}: chart ${i + 1} is wider than its box (${JSON.stringify(c)})`);
  });
}

/** Waits until every chart on the page is drawn (an answer's chart is drawn after its text). */
async function chartsDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    // deno-lint-ignore no-explicit-any
    const doc = (globalThis as any).document;
    return doc.querySelectorAll(".chart:not([data-rendered])").length === 0;
  });
}

/** Asks by typing and Enter; waits for the answer to be drawn and Send to be free again. */
async function ask(page: Page, question: string): Promise<Locator> {
  const before = await page.locator(".msg.assistant").count();
  await page.locator("#question").fill(question);
  await page.locator("#question").press("Enter");
  const answer = page.locator(".msg.assistant").nth(before);
  await answer.locator(".meta, .error-text").first().waitFor({ timeout: 60_000 });
  await page.locator("#send:not([disabled])").waitFor({ timeout: 60_000 });
  return answer;
}

/** Opens the sidebar on a phone (it is always there on a desktop). */
async function sidebar(page: Page, phone: boolean, open: boolean): Promise<void> {
  if (!phone) return;
  const isOpen = await page.locator("#sidebar").evaluate((e) => e.classList.contains("open"));
  if (isOpen !== open) await page.locator("#menu").click();
  await page.waitForTimeout(250); // the drawer slides
}

async function shot(page: Page, size: string, step: number, name: string, answer?: Locator): Promise<void> {
  if (answer) await answer.evaluate((n) => n.scrollIntoView({ block: "start" }));
  await page.screenshot({ path: `${ARTIFACTS}walk-${size}-${String(step).padStart(2, "0")}-${name}.png` });
}

for (const [width, height] of [[1440, 900], [390, 844]]) {
  const size = `${width}x${height}`;
  const phone = width < 760;
  Deno.test({
    name: `browser walk at ${size}: a full analysis — charts fit, numbers formatted, data changes marked, axe clean`,
    ignore: !chromiumPath,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      await Deno.mkdir(ARTIFACTS, { recursive: true });
      await withBrowser(async (browser, server) => {
        const page = await openApp(browser, server, width, height);
        const problems: string[] = [];
        page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        page.on("dialog", (d) => void d.accept());
        await page.locator("#suggestions button").nth(4).waitFor();

        // The empty state sits in the middle of the conversation area, not at its foot.
        const welcome = await page.locator(".welcome").boundingBox();
        const area = await page.locator("#messages").boundingBox();
        assert.ok(welcome && area && welcome.y - area.y > area.height * 0.1, "the welcome is not pushed down");
        await shot(page, size, 1, "empty");

        // A ranking: horizontal bars, an open table with plain-word headers and money, SQL laid out.
        await page.locator("#suggestions button", { hasText: "Top 5 services last month" }).click();
        const top = page.locator(".msg.assistant").nth(0);
        await top.locator('.chart[data-rendered="vega"] svg').waitFor({ timeout: 60_000 });
        assert.deepEqual(await top.locator("details.result th").allInnerTexts(), ["Service", "Effective cost"]);
        assert.equal(await top.locator("details.result").getAttribute("open"), "");
        assert.equal(await top.locator("details.result td.num").first().innerText(), "$19,176.03");
        assert.equal(await top.locator("details.result th").first().getAttribute("title"), "ServiceName · sort");
        const sql = await top.locator("details.sql pre").textContent();
        assert.match(sql ?? "", /^SELECT\n {2}"ServiceName",\n/);
        assert.match(sql ?? "", /\nGROUP BY "ServiceName"\n/);
        assert.match(await top.locator(".chart").getAttribute("aria-label") ?? "", /Top 5 services.*result table/);
        await assertFits(page, "ranking");
        await shot(page, size, 2, "ranking", top);

        // A follow-up that needs the conversation's memory.
        const s3 = await ask(page, "what about S3?");
        assert.match(await s3.innerText(), /Simple Storage Service/);
        await sidebar(page, phone, true);
        await page.locator("#memory", { hasText: "Simple Storage Service" }).waitFor();
        await sidebar(page, phone, false);

        // A trend chart.
        const trend = await ask(page, "cost per month as a chart");
        await trend.locator('.chart[data-rendered="vega"] svg').waitFor();
        await assertFits(page, "trend");
        await shot(page, size, 3, "trend", trend);

        // A forecast: findings first, the method folded, the table opens on forecast rows.
        const forecast = await ask(page, "forecast next quarter");
        await forecast.locator('.chart[data-rendered="vega"] svg').waitFor();
        assert.match(await forecast.locator(".md").first().innerText(), /^Forecast of effective/);
        assert.doesNotMatch(await forecast.locator(".md").first().innerText(), /backtest/);
        assert.equal(await forecast.locator("details.method").getAttribute("open"), null);
        assert.match(await forecast.locator("details.method").textContent() ?? "", /rolling-origin backtest/);
        assert.match(await forecast.locator("details.result td").first().innerText(), /^2025-07-01$/);
        assert.match(await forecast.locator("details.result summary").innerText(), /forecast rows/);
        await assertFits(page, "forecast");
        await shot(page, size, 4, "forecast", forecast);

        // Anomalies: incidents first, no method jargon before them; the chart's title agrees with the text.
        const anomalies = await ask(page, "any cost anomalies?");
        await anomalies.locator('.chart[data-rendered="vega"] svg').waitFor();
        const found = await anomalies.locator(".md").first().innerText();
        const incidents = Number(found.match(/^(\d+) incidents?/)?.[1]);
        assert.ok(incidents >= 1, found.slice(0, 80));
        assert.doesNotMatch(found, /robust score|binary segmentation|z-score/);
        assert.match(
          await anomalies.locator(".chart").getAttribute("aria-label") ?? "",
          new RegExp(`${incidents} incident`),
        );
        await assertFits(page, "anomalies");
        await shot(page, size, 5, "anomalies", anomalies);

        // A cost change: a percent column reads as percent; each query of the analysis in its own block.
        const change = await ask(page, "why did cost change last month?");
        await change.locator(".chart svg").waitFor();
        const headers = await change.locator("details.result th").allInnerTexts();
        const pctColumn = headers.indexOf("% of change");
        assert.ok(pctColumn > 0, headers.join(", "));
        assert.match(await change.locator("details.result tr").nth(1).locator("td").nth(pctColumn).innerText(), /%$/);
        assert.match(await change.locator("details.sql summary").innerText(), /\(\d+ queries\)/);
        assert.ok(await change.locator("details.sql pre").count() > 1);
        await assertFits(page, "cost change");
        await shot(page, size, 6, "change", change);

        // A knowledge question, nonsense, and a very long question.
        const knowledge = await ask(page, "what is a savings plan?");
        assert.match(await knowledge.innerText(), /[Ss]avings [Pp]lan/);
        const nonsense = await ask(page, "purple elephants dance quietly");
        assert.doesNotMatch(await nonsense.innerText(), /\$\d/, "no number for a question that has none");
        const long = await ask(page, `top 3 services last month ${"please ".repeat(250)}`.trim());
        assert.match(await long.innerText(), /\$/);
        await shot(page, size, 7, "long", long);

        // An AWS CUR upload: the data change is marked in the conversation and the memory is reset.
        await sidebar(page, phone, true);
        await page.locator("#file").setInputFiles({
          name: "aws-cur-legacy-sample.csv",
          mimeType: "text/csv",
          buffer: Buffer.from(await Deno.readFile(CUR)),
        });
        await page.locator("#dataset", { hasText: "aws-cur-legacy-sample.csv" }).waitFor({ timeout: 60_000 });
        await page.locator("#memory", { hasText: /Filters\s*none/ }).waitFor();
        await sidebar(page, phone, false);
        const marker = page.locator(".data-marker");
        await marker.waitFor();
        assert.match(await marker.innerText(), /Answers above used sample_billing\.csv.*aws-cur-legacy-sample\.csv/s);
        const cur = await ask(page, "top 3 services");
        assert.match(await cur.innerText(), /\$/);
        await assertFits(page, "after the upload");
        await shot(page, size, 8, "upload", cur);

        // Export: each answer names its data.
        await sidebar(page, phone, true);
        const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-md").click()]);
        const exported = await Deno.readTextFile((await download.path())!);
        assert.match(exported, /_Computed on sample_billing\.csv/);
        assert.match(exported, /_Computed on aws-cur-legacy-sample\.csv/);

        // Session switching: a new session has no upload status; the first comes back whole, marker and all.
        await page.locator("#new-session").click();
        await page.locator(".welcome").waitFor();
        await sidebar(page, phone, true);
        assert.equal(await page.locator("#upload-status").innerText(), "");
        assert.equal(await page.locator("#sessions li").count(), 2);
        await page.locator("#sessions li button.link", { hasText: "aws-cur" }).click();
        await page.locator(".data-marker").waitFor();
        await page.locator(".msg.assistant").nth(9).locator(".meta").waitFor();
        assert.equal(await page.locator(".msg.user").count(), 10);
        await chartsDrawn(page);

        // Reload: everything comes back from the API, the marker where the data changed, the charts
        // drawn interactively again from their stored specs.
        const charts = await page.locator(".chart").count();
        assert.ok(charts >= 6, `${charts} charts`);
        await page.reload();
        await page.locator(".msg.assistant").nth(9).locator(".meta").waitFor({ timeout: 60_000 });
        assert.equal(await page.locator(".data-marker").count(), 1);
        assert.equal(await page.locator(".chart").count(), charts);
        await chartsDrawn(page);
        const drawn = await page.locator(".chart").evaluateAll((boxes) =>
          boxes.map((c) => `${c.getAttribute("data-rendered")}:${c.querySelector("svg, img")?.tagName}`)
        );
        assert.deepEqual(drawn, Array(charts).fill("vega:svg"), "the charts are drawn again");
        await assertFits(page, "after reload");

        // axe-core after the whole conversation.
        assert.deepEqual(await seriousViolations(page), [], `${size}: axe`);

        // Clear: asked first, undone, then cleared for good.
        await sidebar(page, phone, true);
        await page.locator("#clear-chat").click();
        await page.locator("#toast button", { hasText: "Undo" }).waitFor();
        await page.waitForTimeout(300); // on a phone the drawer slides shut
        await shot(page, size, 9, "cleared-undo");
        await page.locator("#toast button", { hasText: "Undo" }).click();
        assert.equal(await page.locator(".msg.user").count(), 10);

        // Keyboard only, on a fresh session: the skip link, then the question box in a few tab stops.
        await sidebar(page, phone, true);
        await page.locator("#new-session").click();
        await page.locator(".welcome").waitFor();
        await page.reload();
        await page.locator("#suggestions button").nth(4).waitFor();
        let stops = 0;
        for (; stops < 20; stops++) {
          await page.keyboard.press("Tab");
          if (await page.locator("#question").evaluate((e) => e === e.ownerDocument.activeElement)) break;
        }
        console.log(`${size}: ${stops + 1} tab stops to the question box`);
        assert.ok(stops + 1 <= 8, `${stops + 1} tab stops to the question box`);
        await page.keyboard.type("top 3 regions");
        await page.keyboard.press("Enter");
        await page.locator(".msg.assistant .meta").first().waitFor({ timeout: 60_000 });
        await shot(page, size, 10, "keyboard");
        assert.deepEqual(problems, []);
      });
    },
  });
}
