/**
 * `POST /session/{id}/upload-csv`: multipart (field `file`) or a raw `text/csv` body, either
 * possibly gzip (`.csv.gz`). The size limit is enforced while the body streams in (upload_body.ts).
 * @module
 */
import { importCsv } from "../agents/data_loader.ts";
import { ValidationError } from "../errors.ts";
import { rateLimit } from "./access.ts";
import type { App, AppDeps } from "./deps.ts";
import { errorResponses, SessionParams, UploadResponse } from "./schemas.ts";
import { readUpload } from "./upload_body.ts";
import { datasetView } from "./views.ts";

const CSV_TYPES = /^(text\/csv|application\/csv|text\/plain|application\/vnd\.ms-excel|application\/octet-stream)?$/;

/** Registers the upload route and its OpenAPI description. */
export function uploadRoutes(app: App, deps: AppDeps): void {
  const maxBytes = deps.config.maxUploadMb * 1024 * 1024;
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/session/{id}/upload-csv",
    tags: ["data"],
    summary: "Upload a billing CSV (FOCUS, AWS CUR, Azure, GCP, OCI or any cost CSV)",
    description: `Multipart form with field \`file\`, or the CSV itself as a \`text/csv\` body. ` +
      `At most ${deps.config.maxUploadMb} MB after inflating a gzip file (.csv.gz exports are accepted as they are). ` +
      `The format is detected and mapped to FOCUS column names.`,
    request: {
      params: SessionParams,
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
      const file = await readUpload(c.req.raw, maxBytes, { fallbackName: c.req.query("name") });
      const ftype = file.type;
      if (!CSV_TYPES.test(ftype) && !/\.csv$/i.test(file.name)) {
        throw new ValidationError(`Unsupported file type '${ftype}': upload a CSV file.`, 415);
      }
      if (/\.(parquet|xlsx?|zip|gz|json|pdf)$/i.test(file.name) && !CSV_TYPES.test(ftype)) {
        throw new ValidationError("Only CSV files are accepted.", 415);
      }
      const name = file.name;
      const bytes = file.bytes;
      const meta = await importCsv(
        deps,
        name,
        bytes,
        { maxColumns: deps.config.maxColumns, maxRows: deps.config.maxRows },
        { sessionId: id },
      );
      deps.log.log("info", "dataset uploaded", {
        session_id: id,
        dataset_id: meta.id,
        rows: meta.rows,
        bytes: meta.bytes,
        schema: meta.schema.format,
      });
      return c.json({ message: `Loaded ${meta.rows} rows (${meta.schema.label}).`, dataset: datasetView(meta) }, 200);
    },
  );
}
