/**
 * Rendered charts in KV: PNG bytes in chunks (followed by the gzipped Vega-Lite spec, so a page
 * reloaded later can draw the chart again interactively), a record that makes them visible, and
 * an index by session so a chart lives exactly as long as its session.
 * @module
 */
import { concatBytes } from "../analytics/bytes.ts";
import { NotFoundError } from "../errors.ts";
import { deletePrefix, gunzip, gzip, readChunks, writeChunks } from "./blobs.ts";
import { keys } from "./keys.ts";

/** What is stored about one chart. */
export interface ChartMeta {
  id: string;
  sessionId: string;
  owner: string;
  type: string;
  /** Bytes of the PNG (the first bytes of the chunks). */
  bytes: number;
  /** Bytes of the gzipped spec after the PNG (0 or absent: none stored). */
  specBytes?: number;
  chunks: number;
  width: number;
  height: number;
  createdAt: string;
}

/** An unguessable chart id (128 random bits, URL-safe). */
function newChartId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Stores a PNG (and the spec it was drawn from) for a session; chunks first, then the record and
 * the session index together.
 */
export async function saveChart(
  kv: Deno.Kv,
  chart: {
    sessionId: string;
    owner: string;
    type: string;
    png: Uint8Array;
    width: number;
    height: number;
    spec?: unknown;
  },
): Promise<ChartMeta> {
  const id = newChartId();
  const spec = chart.spec === undefined
    ? new Uint8Array()
    : await gzip(new TextEncoder().encode(JSON.stringify(chart.spec)));
  const chunks = await writeChunks(kv, concatBytes([chart.png, spec]), (n) => keys.chartChunk(id, n));
  const meta: ChartMeta = {
    id,
    sessionId: chart.sessionId,
    owner: chart.owner,
    type: chart.type,
    bytes: chart.png.byteLength,
    specBytes: spec.byteLength,
    chunks,
    width: chart.width,
    height: chart.height,
    createdAt: new Date().toISOString(),
  };
  const ok = await kv.atomic()
    .set(keys.chart(id), meta)
    .set(keys.chartBySession(chart.sessionId, id), true)
    .commit();
  if (!ok.ok) throw new Error("chart record write failed");
  return meta;
}

/** Reads a chart the caller owns, or throws 404 (unknown id, another owner, or incomplete). */
export async function getChart(kv: Deno.Kv, id: string, owner?: string): Promise<{ meta: ChartMeta; png: Uint8Array }> {
  const { meta, bytes } = await readChart(kv, id, owner);
  return { meta, png: bytes.subarray(0, meta.bytes) };
}

/** The Vega-Lite spec a chart was drawn from, or throws 404 (as {@link getChart}, or none stored). */
export async function getChartSpec(kv: Deno.Kv, id: string, owner?: string): Promise<unknown> {
  const { meta, bytes } = await readChart(kv, id, owner);
  if (!meta.specBytes) throw new NotFoundError(`Chart '${id}' has no spec`);
  return JSON.parse(new TextDecoder().decode(await gunzip(bytes.subarray(meta.bytes))));
}

async function readChart(kv: Deno.Kv, id: string, owner?: string): Promise<{ meta: ChartMeta; bytes: Uint8Array }> {
  const e = await kv.get<ChartMeta>(keys.chart(id));
  if (!e.value || (owner !== undefined && e.value.owner !== owner)) throw new NotFoundError(`Chart '${id}' not found`);
  const session = await kv.get(keys.session(e.value.sessionId));
  if (!session.value) throw new NotFoundError(`Chart '${id}' not found`);
  try {
    return { meta: e.value, bytes: await readChunks(kv, keys.chartChunksPrefix(id), e.value.chunks) };
  } catch {
    throw new NotFoundError(`Chart '${id}' not found`);
  }
}

/** Deletes every chart of a session (records first, so none is served half-deleted). */
export async function deleteSessionCharts(kv: Deno.Kv, sessionId: string): Promise<number> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: keys.chartsBySessionPrefix(sessionId) })) ids.push(String(e.key[2]));
  for (const id of ids) {
    await kv.atomic().delete(keys.chart(id)).delete(keys.chartBySession(sessionId, id)).commit();
    await deletePrefix(kv, keys.chartChunksPrefix(id));
  }
  return ids.length;
}
