/**
 * Vega-Lite → Vega → SVG (headless, no DOM) → PNG (resvg-wasm) with the Inter font shipped
 * from npm: resvg has no system fonts, and a font the renderer lacks is text that vanishes.
 * The app calls this in the chart worker (renderer.ts), off the request thread.
 * @module
 */
import { createRequire } from "node:module";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import * as vega from "vega";
import * as vl from "vega-lite";
import type { VegaLiteSpec } from "./spec.ts";

const require = createRequire(import.meta.url);

/** A rendered chart. */
export interface RenderedChart {
  svg: string;
  png: Uint8Array;
  width: number;
  height: number;
}

let ready: Promise<Uint8Array[]> | null = null;

/** Vega-Lite's warnings concern our own specs, which tests check; they are not log material. */
const QUIET = {
  level: () => QUIET,
  error: (...a: unknown[]) => {
    throw new Error(a.map(String).join(" "));
  },
  warn: () => QUIET,
  info: () => QUIET,
  debug: () => QUIET,
};

/**
 * Approximate advance widths of Inter, in ems. Headless Vega has no canvas to measure text
 * and guesses 0.8 em per character, which truncates labels that would fit; these per-class
 * widths (rounded up from the font's metrics) keep labels whole without letting them collide.
 */
export function interWidth(text: string): number {
  let w = 0;
  for (const c of text) {
    if ("il.,:;'|!".includes(c)) w += 0.28;
    else if ("ftrIj()[]-/".includes(c)) w += 0.38;
    else if (c === " ") w += 0.29;
    else if ("mwMW%".includes(c)) w += 0.88;
    else if (c >= "A" && c <= "Z") w += 0.7;
    else if (c >= "0" && c <= "9") w += 0.63;
    else if (c >= "a" && c <= "z") w += 0.57;
    else w += 0.65;
  }
  return w;
}

/** Loads the wasm renderer and the fonts (once per thread); resolves when they are ready. */
export async function warmRenderer(): Promise<void> {
  await init();
}

function init(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    const metrics = (vega as unknown as { textMetrics?: { width: unknown } }).textMetrics;
    if (!metrics) throw new Error("vega.textMetrics is missing: labels would be measured wrongly");
    metrics.width = (item: { fontSize?: number; fontWeight?: number | string }, text: unknown) =>
      interWidth(text == null ? "" : String(text)) * (item.fontSize ?? 11) *
      (Number(item.fontWeight ?? 400) >= 600 || item.fontWeight === "bold" ? 1.06 : 1);
    await initWasm(await Deno.readFile(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
    return await Promise.all(
      ["400Regular/Inter_400Regular.ttf", "500Medium/Inter_500Medium.ttf", "600SemiBold/Inter_600SemiBold.ttf"].map((
        f,
      ) => Deno.readFile(require.resolve(`@expo-google-fonts/inter/${f}`))),
    );
  })();
  return ready;
}

/**
 * Renders a Vega-Lite spec to SVG and to a PNG at `scale` × its size (2 for sharp text on
 * high-density screens).
 */
export async function renderChart(spec: VegaLiteSpec, scale = 2): Promise<RenderedChart> {
  const fonts = await init();
  let svg: string;
  try {
    // deno-lint-ignore no-explicit-any
    const compiled = vl.compile(spec as any, { logger: QUIET as any }).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: "none" }).logLevel(vega.None);
    svg = await view.toSVG();
    view.finalize();
  } catch (e) {
    // A plain Error: this module runs in the chart worker, which may read only analytics/ (the
    // start task's permissions); the client (renderer.ts) raises it as an EngineError.
    throw new Error(`chart could not be drawn: ${(e as Error).message}`);
  }
  const resvg = new Resvg(svg, {
    font: { fontBuffers: fonts, defaultFontFamily: "Inter", loadSystemFonts: false },
    fitTo: { mode: "zoom", value: scale },
    background: "white",
  });
  const image = resvg.render();
  const png = image.asPng();
  const out = { svg, png, width: image.width, height: image.height };
  image.free();
  resvg.free();
  return out;
}

/** Width and height from a PNG's IHDR chunk (null when the bytes are not a PNG). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | null {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || sig.some((b, i) => bytes[i] !== b)) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}
