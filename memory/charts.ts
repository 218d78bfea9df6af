/**
 * Charts in KV: the Vega-Lite spec an answer drew (gzipped, in chunks), and its PNG once someone
 * asks for it (drawn on the first request of `chart_url`: most charts are only ever drawn by the
 * page, from the spec). A record makes a chart visible; an index by session makes it live exactly
 * as long as its session.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import { deletePrefix, gunzip, gzip, readChunks, writeChunks } from "./blobs.ts";
import { keys } from "./keys.ts";

/** What is stored about one chart. */
export interface ChartMeta {
  id: string;
  sessionId: string;
  owner: string;
  type: string;
  /** Chunks of the gzipped spec. */
  chunks: number;
  /** The PNG once drawn: its chunks and size (absent until then). */
  png?: { chunks: number; bytes: number; width: number; height: number };
  createdAt: string;
}

/** An unguessable chart id (128 random bits, URL-safe). */
function newChartId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Stores a chart's spec for a session; chunks first, then the record and the session index together. */
export async function saveChart(
  kv: Deno.Kv,
  chart: { sessionId: string; owner: string; type: string; spec: unknown },
): Promise<ChartMeta> {
  const id = newChartId();
  const spec = await gzip(new TextEncoder().encode(JSON.stringify(chart.spec)));
  const chunks = await writeChunks(kv, spec, (n) => keys.chartChunk(id, n));
  const meta: ChartMeta = {
    id,
    sessionId: chart.sessionId,
    owner: chart.owner,
    type: chart.type,
    chunks,
    createdAt: new Date().toISOString(),
  };
  const ok = await kv.atomic()
    .set(keys.chart(id), meta)
    .set(keys.chartBySession(chart.sessionId, id), true)
    .commit();
  if (!ok.ok) throw new Error("chart record write failed");
  return meta;
}

/** A chart the caller owns, while its session lives, or throws 404 (a 304 needs no more than this). */
export async function checkChart(kv: Deno.Kv, id: string, owner?: string): Promise<Deno.KvEntry<ChartMeta>> {
  const e = await kv.get<ChartMeta>(keys.chart(id));
  if (!e.value || (owner !== undefined && e.value.owner !== owner)) throw new NotFoundError(`Chart '${id}' not found`);
  const session = await kv.get(keys.session(e.value.sessionId));
  if (!session.value) throw new NotFoundError(`Chart '${id}' not found`);
  return e as Deno.KvEntry<ChartMeta>;
}

/** The Vega-Lite spec a chart was drawn from, or throws 404. */
export async function getChartSpec(kv: Deno.Kv, id: string, owner?: string): Promise<unknown> {
  return await readSpec(kv, (await checkChart(kv, id, owner)).value);
}

/** A chart's stored spec (its record already checked). */
async function readSpec(kv: Deno.Kv, meta: ChartMeta): Promise<unknown> {
  try {
    return JSON.parse(
      new TextDecoder().decode(await gunzip(await readChunks(kv, keys.chartChunksPrefix(meta.id), meta.chunks))),
    );
  } catch {
    throw new NotFoundError(`Chart '${meta.id}' not found`);
  }
}

/**
 * A chart's PNG, drawn by `draw` from its spec on the first request and kept (a second request
 * drawing it at the same time stores the same picture; the first record written wins).
 */
export async function getChartPng(
  kv: Deno.Kv,
  id: string,
  owner: string | undefined,
  draw: (spec: unknown) => Promise<{ png: Uint8Array; width: number; height: number }>,
): Promise<Uint8Array> {
  const entry = await checkChart(kv, id, owner);
  const png = entry.value.png;
  if (png) {
    try {
      return await readChunks(kv, keys.chartPngChunksPrefix(id), png.chunks);
    } catch {
      throw new NotFoundError(`Chart '${id}' not found`);
    }
  }
  const drawn = await draw(await readSpec(kv, entry.value));
  const chunks = await writeChunks(kv, drawn.png, (n) => keys.chartPngChunk(id, n));
  const meta = {
    ...entry.value,
    png: { chunks, bytes: drawn.png.byteLength, width: drawn.width, height: drawn.height },
  };
  // Checked against the record read: a chart deleted meanwhile is not brought back.
  await kv.atomic().check(entry).set(keys.chart(id), meta).commit();
  return drawn.png;
}

/** Deletes every chart of a session (records first, so none is served half-deleted). */
export async function deleteSessionCharts(kv: Deno.Kv, sessionId: string): Promise<number> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: keys.chartsBySessionPrefix(sessionId) })) ids.push(String(e.key[2]));
  for (const id of ids) {
    await kv.atomic().delete(keys.chart(id)).delete(keys.chartBySession(sessionId, id)).commit();
    await deletePrefix(kv, keys.chartChunksPrefix(id));
    await deletePrefix(kv, keys.chartPngChunksPrefix(id));
  }
  return ids.length;
}
