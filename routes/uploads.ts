/**
 * `POST /session/{id}/upload-csv`: multipart (field `file`) or a raw `text/csv` body, either
 * possibly gzip (`.csv.gz`). The size limit is enforced while the body streams in (upload_body.ts).
 * @module
 */
import { importStream, importUpload, type UploadOutcome } from "../agents/data_loader.ts";
import { isArchiveName } from "../analytics/archive.ts";
import { isParquetStart } from "../analytics/parquet.ts";
import { z } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import { ValidationError } from "../errors.ts";
import { rateLimit } from "./access.ts";
import type { App, AppDeps } from "./deps.ts";
import { errorResponses, SessionParams, UploadResponse } from "./schemas.ts";
import { openUpload, readWhole } from "./upload_body.ts";
import { datasetView } from "./views.ts";

const CSV_TYPES = /^(text\/csv|application\/csv|text\/plain|application\/vnd\.ms-excel|application\/octet-stream)?$/;
const PARQUET_TYPES = /^application\/(vnd\.apache\.parquet|x-parquet)$/;

/** Registers the upload route and its OpenAPI description. */
export function uploadRoutes(app: App, deps: AppDeps): void {
  const maxBytes = deps.config.maxUploadMb * 1024 * 1024;
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/session/{id}/upload-csv",
    tags: ["data"],
    summary: "Upload a billing export: CSV, .csv.gz or Parquet (FOCUS, AWS CUR, Azure, GCP, OCI or any cost CSV)",
    description: `Multipart form with field \`file\`, or the CSV itself as a \`text/csv\` body. ` +
      `At most ${deps.config.maxUploadMb} MB after inflating a gzip file (.csv.gz exports are accepted as they are). ` +
      `The format is detected and mapped to FOCUS column names.`,
    request: {
      params: SessionParams,
      query: z.object({
        mode: z.enum(["replace", "append"]).optional().openapi({
          description: "`replace` (default): the upload becomes the session's data. `append`: it joins the data " +
            "there; billing periods it brings again replace the old rows (period, provider and billing account), " +
            "and a file already in the dataset changes nothing. A .zip or .tar.gz of parts is one upload.",
        }),
      }),
      body: {
        content: {
          "multipart/form-data": {
            schema: { type: "object", properties: { file: { type: "string", format: "binary" } }, required: ["file"] },
          },
          "text/csv": { schema: { type: "string" } },
        },
      },
    },
    responses: {
      200: { description: "Dataset loaded", content: { "application/json": { schema: UploadResponse } } },
      ...errorResponses(400, 404, 413, 415, 422, 429),
    },
  });

  app.post(
    "/session/:id/upload-csv",
    async (c, next) => {
      // Unknown sessions are refused before a byte of the body is read.
      await deps.sessions.get(c.req.param("id"), c.get("owner"));
      await rateLimit(deps, c, "upload");
      await next();
    },
    async (c) => {
      const id = c.req.param("id");
      const mode = c.req.query("mode") ?? "replace";
      if (mode !== "replace" && mode !== "append") {
        throw new ValidationError(`mode must be 'replace' or 'append', not '${mode.slice(0, 20)}'.`, 400);
      }
      const file = await openUpload(c.req.raw, maxBytes, { fallbackName: c.req.query("name") });
      const ftype = file.type;
      const parquet = PARQUET_TYPES.test(ftype) || /\.parquet$/i.test(file.name) || isParquetStart(file.head);
      if (!CSV_TYPES.test(ftype) && !/\.csv$/i.test(file.name) && !parquet) {
        throw new ValidationError(`Unsupported file type '${ftype}': upload a CSV or Parquet file.`, 415);
      }
      if (/\.(xlsx?|zip|gz|json|pdf)$/i.test(file.name) && !CSV_TYPES.test(ftype)) {
        throw new ValidationError("Only CSV and Parquet files are accepted.", 415);
      }
      const limits = uploadLimits(deps.config);
      // A CSV replacing the data streams through; formats read from a whole file (Parquet's
      // footer, an archive's directory) and appends (which rewrite the stored rows) are read whole.
      const outcome = await deps.drain.track(
        mode === "replace" && !parquet && !isArchiveName(file.name)
          ? importStream(deps, file.name, file.chunks, limits, { sessionId: id })
          : readWhole(file, maxBytes).then((bytes) =>
            importUpload(deps, file.name, bytes, limits, { sessionId: id, mode })
          ),
      );
      const meta = outcome.meta;
      deps.log.log("info", "dataset uploaded", {
        session_id: id,
        dataset_id: meta.id,
        rows: meta.rows,
        bytes: meta.bytes,
        schema: meta.schema.format,
      });
      return c.json({ message: uploadMessage(outcome), dataset: datasetView(meta) }, 200);
    },
  );
}

/** What an upload may hold, from the configuration (REST and MCP). */
export function uploadLimits(config: Config): { maxColumns: number; maxRows: number; maxBytes: number } {
  return { maxColumns: config.maxColumns, maxRows: config.maxRows, maxBytes: config.maxUploadMb * 1024 * 1024 };
}

/** What an upload did, in one sentence. */
export function uploadMessage(o: UploadOutcome): string {
  const files = o.added.length > 1 ? `${o.added.length} files` : o.added[0]?.name ?? "the file";
  if (o.unchanged) return `Nothing changed: ${files} ${o.added.length > 1 ? "are" : "is"} already in this dataset.`;
  const replaced = o.replaced.length
    ? ` Billing periods sent again replaced the old rows: ${o.replaced.join(", ")}.`
    : "";
  const parts = (o.meta.files?.length ?? 1) > 1 ? `, from ${o.meta.files!.length} files` : "";
  return `Loaded ${o.meta.rows} rows (${o.meta.schema.label}${parts}).${replaced}`;
}
