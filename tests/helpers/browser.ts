/**
 * Chromium for the browser tests: Debian's (driven by playwright-core) against a real server.
 * Without Chromium the tests are skipped with the reason printed, except in CI (`CI` set), where
 * they must run.
 * @module
 */
import type { Browser, Page } from "playwright-core";
import { type ServerProcess, startServer, tempKvPath } from "./server.ts";

const CANDIDATES = [Deno.env.get("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"];
/** The Chromium binary, or undefined when there is none. */
export const chromiumPath = CANDIDATES.find((p) => {
  try {
    return !!p && Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const inCi = !!Deno.env.get("CI");
if (!chromiumPath) {
  if (inCi) throw new Error("CI is set but no Chromium was found (install it with apt-get install -y chromium)");
  console.log(
    "browser tests skipped: no Chromium at /usr/bin/chromium (set CHROMIUM_PATH, or apt-get install chromium)",
  );
}

/** Where screenshots go. */
export const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

/** The chat page in a new tab of `width`×`height`, once its dataset card is drawn. */
export async function openApp(browser: Browser, server: ServerProcess, width: number, height: number): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(server.url);
  await page.locator("#dataset dd").first().waitFor();
  return page;
}

/** A real server on its own KV and Chromium, for one test; both stopped after it. */
export async function withBrowser(test: (browser: Browser, server: ServerProcess) => Promise<void>): Promise<void> {
  const { chromium } = await import("playwright-core");
  const kv = tempKvPath();
  const server = await startServer({ FINOPS_KV_PATH: kv.path });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    await test(browser, server);
  } finally {
    await browser.close();
    await server.stop("SIGKILL").catch(() => {});
    kv.cleanup();
  }
}
