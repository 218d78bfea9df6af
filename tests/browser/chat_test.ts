/**
 * The chat page in real Chromium (Debian's, driven by playwright-core) against a real server:
 * upload a CSV whose service name is an HTML payload, ask, follow up, chart, reload, export, at
 * desktop and phone width. Screenshots go to test-artifacts/. Without Chromium the tests are
 * skipped with the reason printed, except in CI (`CI` set), where they must run.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ARTIFACTS, chromiumPath, openApp, withBrowser } from "../helpers/browser.ts";
import { startServer, tempKvPath } from "../helpers/server.ts";

const EVIL = "<img src=x onerror=alert(1)>";

/** A small FOCUS-like bill: three services over three months, one named with an HTML payload. */
function hostileCsv(): string {
  const lines = ["ChargePeriodStart,ServiceName,RegionName,BilledCost,EffectiveCost,BillingCurrency"];
  const services: [string, number][] = [[EVIL, 40], ["Amazon Simple Storage Service", 25], ["Amazon EC2", 90]];
  for (const month of ["2025-04", "2025-05", "2025-06"]) {
    for (let day = 1; day <= 28; day += 3) {
      for (const [svc, base] of services) {
        const cost = (base + day * 0.5 + (month === "2025-06" ? 10 : 0)).toFixed(2);
        const name = svc.includes(",") || svc.includes('"') ? `"${svc.replaceAll('"', '""')}"` : svc;
        lines.push(`${month}-${String(day).padStart(2, "0")},${name},us-east-1,${cost},${cost},USD`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

Deno.test({
  name: "browser: upload, converse with a follow-up, chart, reload, export — desktop and phone",
  ignore: !chromiumPath,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    const csvPath = await Deno.makeTempFile({ suffix: ".csv" });
    await Deno.writeTextFile(csvPath, hostileCsv());
    const kv = tempKvPath();
    const server = await startServer({ FINOPS_KV_PATH: kv.path });
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const problems: string[] = [];
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("dialog", (d) => {
        problems.push(`dialog opened: ${d.message()}`);
        void d.dismiss();
      });
      page.on("request", (r) => {
        if (!r.url().startsWith(server.url) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) {
          problems.push(`request outside the app: ${r.url()}`);
        }
      });

      await page.goto(server.url);
      await page.locator("#dataset dd").first().waitFor();
      assert.match(await page.locator("#dataset").innerText(), /sample_billing\.csv/);
      // The suggestions are drawn after the dataset card (a second request): wait for them.
      await page.locator("#suggestions button").nth(4).waitFor();
      assert.equal(await page.locator("#suggestions button").count(), 5);
      await page.screenshot({ path: `${ARTIFACTS}chat-empty-1280x800.png` });

      // Upload by the file picker; the dataset card shows the new file.
      await page.locator("#file").setInputFiles({
        name: "hostile.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(await Deno.readFile(csvPath)),
      });
      await page.locator("#dataset", { hasText: "hostile.csv" }).waitFor({ timeout: 30_000 });
      assert.match(await page.locator("#dataset").innerText(), /2025-04-01 → 2025-06-28/);
      assert.match(await page.locator("#upload-status").innerText(), /Loaded 90 rows/);

      // First question, sent with Enter.
      await page.locator("#question").fill("top 3 services by cost");
      await page.locator("#question").press("Enter");
      const first = page.locator(".msg.assistant").nth(0);
      await first.locator(".tag.basis").waitFor({ timeout: 30_000 });
      const firstText = await first.innerText();
      assert.ok(firstText.includes(EVIL), "the payload is shown as text");
      assert.equal(await page.locator('img[src="x"]').count(), 0, "and never becomes an element");
      assert.match(firstText, /billed cost · USD|effective cost · USD/);
      // How the question was read, in one line under the answer.
      assert.match(await first.locator(".reading").innerText(), /Read as: .*grouped by ServiceName.*top 3/);
      await first.locator("details.sql summary").click();
      assert.match(await first.locator("details.sql pre").innerText(), /GROUP BY/);

      // A chart, drawn interactively by vega-embed.
      await page.locator("#question").fill("cost per month as a chart");
      await page.locator("#send").click();
      const second = page.locator(".msg.assistant").nth(1);
      await second.locator('.chart[data-rendered="vega"] svg').waitFor({ timeout: 30_000 });
      assert.equal(await second.locator(".chart-actions a[download]").count(), 1);

      // A follow-up that needs the conversation's memory.
      await page.locator("#question").fill("what about Amazon EC2?");
      await page.locator("#question").press("Enter");
      const third = page.locator(".msg.assistant").nth(2);
      await third.locator(".tag.basis").waitFor({ timeout: 30_000 });
      assert.match(await third.innerText(), /Amazon EC2/);
      await page.locator("#memory", { hasText: "Amazon EC2" }).waitFor();
      assert.match(await page.locator("#memory").innerText(), /Turns\s*3/);

      // The result table is open, and sorts.
      const head = second.locator("details.result th").last();
      await head.click();
      assert.equal(await head.getAttribute("aria-sort"), "descending");
      assert.equal(await second.locator("details.result button").isVisible(), false, "no 'show all' for 3 rows");
      await second.locator(".chart").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${ARTIFACTS}chat-1280x800.png`, fullPage: false });

      // Reload: the conversation comes back from the API.
      await page.reload();
      await page.locator(".msg.assistant").nth(2).locator(".tag.basis").waitFor();
      assert.equal(await page.locator(".msg.user").count(), 3);
      assert.equal(await page.locator('img[src="x"]').count(), 0);
      // The chart is drawn again, interactively, from its stored spec (fetched after the text is shown).
      await page.locator(".msg.assistant").nth(1).locator('.chart[data-rendered="vega"] svg').waitFor();

      // Export as Markdown.
      const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#export-md").click()]);
      const exported = await Deno.readTextFile(await download.path());
      assert.match(exported, /top 3 services by cost/);
      assert.match(exported, /what about Amazon EC2\?/);

      // Phone width: the sidebar folds behind the menu button.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.reload();
      await page.locator(".msg.assistant").nth(2).locator(".tag.basis").waitFor();
      assert.equal(await page.locator("#sidebar").evaluate((e) => e.getBoundingClientRect().right <= 0), true);
      const overflow = await page.evaluate(() => {
        const g = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return g.document.documentElement.scrollWidth - g.innerWidth;
      });
      assert.ok(overflow <= 0, `no horizontal scrolling at phone width (${overflow}px)`);
      await page.screenshot({ path: `${ARTIFACTS}chat-390x844.png` });
      await page.locator("#menu").click();
      assert.equal(await page.locator("#menu").getAttribute("aria-expanded"), "true");
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${ARTIFACTS}chat-390x844-sidebar.png` });
      await page.keyboard.press("Escape");
      assert.equal(await page.locator("#menu").getAttribute("aria-expanded"), "false");

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.stop("SIGKILL").catch(() => {});
      kv.cleanup();
      await Deno.remove(csvPath).catch(() => {});
    }
  },
});

Deno.test({
  name: "browser: drag-and-drop upload, stream fallback, sessions switched and deleted, chat cleared",
  ignore: !chromiumPath,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { chromium } = await import("playwright-core");
    const kv = tempKvPath();
    const server = await startServer({ FINOPS_KV_PATH: kv.path });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu"] });
    const problems: string[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("dialog", (d) => void d.accept());
      await page.goto(server.url);
      await page.locator("#dataset dd").first().waitFor();

      // Drop a file on the upload area.
      const csv = hostileCsv();
      await page.evaluate((text) => {
        // deno-lint-ignore no-explicit-any
        const g = globalThis as any;
        const dt = new g.DataTransfer();
        dt.items.add(new g.File([text], "dropped.csv", { type: "text/csv" }));
        g.document.getElementById("drop").dispatchEvent(new g.DragEvent("drop", { dataTransfer: dt, bubbles: true }));
      }, csv);
      await page.locator("#dataset", { hasText: "dropped.csv" }).waitFor({ timeout: 30_000 });

      // With the stream blocked, the page asks the plain endpoint.
      let streamed = 0;
      await page.route("**/query/stream", (route) => {
        streamed++;
        return route.abort();
      });
      await page.locator("#question").fill("total cost");
      await page.locator("#question").press("Enter");
      await page.locator(".msg.assistant .tag.basis").first().waitFor({ timeout: 30_000 });
      assert.equal(streamed, 1);
      assert.match(await page.locator(".msg.assistant").first().innerText(), /\$/);
      const firstSession = await page.evaluate(() =>
        (globalThis as unknown as { localStorage: Storage }).localStorage.getItem("finops.session")
      );

      // A second session on the sample data, then back to the first, then delete the second.
      await page.locator("#new-session").click();
      await page.locator("#dataset", { hasText: "sample_billing.csv" }).waitFor();
      assert.equal(await page.locator(".msg").count(), 0);
      assert.equal(await page.locator("#upload-status").innerText(), "", "the upload's status stayed with its session");
      await page.locator("#sessions li").nth(1).waitFor();
      assert.equal(await page.locator("#sessions li").count(), 2);
      await page.locator("#sessions li button.link", { hasText: "dropped.csv" }).click();
      await page.locator("#dataset", { hasText: "dropped.csv" }).waitFor();
      await page.locator(".msg.assistant .tag.basis").first().waitFor();
      assert.equal(await page.locator(".msg.user").count(), 1);
      await page.locator("#sessions li", { hasText: "sample_billing.csv" }).locator("button.del").click();
      await page.locator("#sessions li", { hasText: "sample_billing.csv" }).waitFor({ state: "detached" });
      assert.equal(
        await page.evaluate(() =>
          (globalThis as unknown as { localStorage: Storage }).localStorage.getItem("finops.session")
        ),
        firstSession,
      );

      // Clear chat asks first, and can be undone.
      await page.locator("#clear-chat").click();
      await page.locator(".welcome").waitFor();
      assert.equal(await page.locator(".msg").count(), 0);
      await page.locator("#toast button", { hasText: "Undo" }).click();
      assert.equal(await page.locator(".msg.user").count(), 1, "undo brings the conversation back");
      assert.equal(await page.locator("#toast").isVisible(), false);
      // Cleared again and not undone: the next question starts a new history; data kept; counts live.
      await page.locator("#clear-chat").click();
      await page.locator(".welcome").waitFor();
      await page.locator("#question").fill("total cost");
      await page.locator("#question").press("Enter");
      await page.locator(".msg.assistant .tag.basis").first().waitFor({ timeout: 30_000 });
      await page.locator("#sessions li.current", { hasText: "1 turn" }).waitFor();
      const history = await (await fetch(`${server.url}/session/${firstSession}/history`)).json();
      assert.equal(history.total_messages, 2, "the cleared turn is gone from the server");
      assert.match(await page.locator("#dataset").innerText(), /dropped\.csv/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.stop("SIGKILL").catch(() => {});
      kv.cleanup();
    }
  },
});

Deno.test({
  name: "browser: a long question is never cut — a counter near the limit, the excess named, Send held",
  ignore: !chromiumPath,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withBrowser(async (browser, server) => {
      const page = await openApp(browser, server, 390, 844);
      let asked = 0;
      page.on("request", (r) => {
        if (/\/query(\/stream)?$/.test(new URL(r.url()).pathname)) asked++;
      });
      const box = page.locator("#question");
      const counter = page.locator("#ask-count");
      await box.fill("total cost");
      assert.equal(await counter.isVisible(), false, "no counter far from the limit");
      await box.fill("cost ".repeat(340)); // 1,700 characters: 85 % of 2,000
      assert.equal(await counter.innerText(), "1,700 / 2,000 characters");
      assert.equal(await page.locator("#send").isDisabled(), false);
      const tooLong = "cost ".repeat(410); // 2,050 characters
      await box.fill(tooLong);
      assert.equal(await counter.innerText(), "50 characters over the limit of 2,000");
      assert.equal(await page.locator("#send").isDisabled(), true);
      await box.press("Enter");
      assert.equal(await box.inputValue(), tooLong, "the text stays as typed, not cut");
      assert.equal(asked, 0);
      assert.equal(await page.locator(".msg.user").count(), 0);
      await page.screenshot({ path: `${ARTIFACTS}question-over-limit-390x844.png` });
      // Back under the limit, the question goes.
      await box.fill("top 3 services by cost");
      await box.press("Enter");
      await page.locator(".msg.assistant .tag.basis").first().waitFor({ timeout: 30_000 });
      assert.equal(asked, 1);
      assert.equal(await counter.isVisible(), false);
    });
  },
});

Deno.test({
  name: "browser: on a phone the sidebar drawer has a close button and a dimmed backdrop that closes it",
  ignore: !chromiumPath,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withBrowser(async (browser, server) => {
      const page = await openApp(browser, server, 390, 844);
      const isOpen = () => page.locator("#sidebar").evaluate((e) => e.classList.contains("open"));
      assert.equal(await page.locator("#backdrop").isVisible(), false);
      await page.locator("#menu").click();
      assert.equal(await isOpen(), true);
      assert.equal(await page.locator("#backdrop").isVisible(), true);
      assert.equal(await page.locator("#menu").getAttribute("aria-expanded"), "true");
      await page.waitForTimeout(300); // the drawer slides in
      await page.screenshot({ path: `${ARTIFACTS}drawer-open-390x844.png` });
      await page.locator("#close-sidebar").click();
      assert.equal(await isOpen(), false);
      assert.equal(await page.locator("#backdrop").isVisible(), false);
      assert.equal(await page.locator("#menu").getAttribute("aria-expanded"), "false");
      assert.equal(await page.locator("#menu").evaluate((e) => e === e.ownerDocument.activeElement), true);
      await page.locator("#menu").click();
      await page.waitForTimeout(300);
      // A tap on the dimmed conversation, beside the drawer, closes it.
      await page.locator("#backdrop").click({ position: { x: 370, y: 400 } });
      assert.equal(await isOpen(), false);
      // On a desktop there is neither.
      await page.setViewportSize({ width: 1280, height: 800 });
      assert.equal(await page.locator("#close-sidebar").isVisible(), false);
      assert.equal(await page.locator("#backdrop").isVisible(), false);
    });
  },
});
