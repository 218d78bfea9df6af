/**
 * API views of stored records (snake_case, as the design document's contract has them).
 * @module
 */
import type { z } from "@hono/zod-openapi";
import type { DatasetMeta } from "../analytics/dataset.ts";
import type { DatasetSchema } from "./schemas.ts";

/** The API shape of a dataset. */
export function datasetView(meta: DatasetMeta): z.infer<typeof DatasetSchema> {
  return {
    id: meta.id,
    name: meta.name,
    rows: meta.rows,
    columns: meta.columns,
    date_range: meta.dateRange,
    currency: meta.currency,
    currencies: meta.currencies,
    schema: meta.schema.format,
    schema_label: meta.schema.label,
    schema_confidence: meta.schema.confidence,
    mapping: meta.mapping as Record<string, string>,
    cost_bases: meta.bases,
    tags: meta.tags ?? [],
    quality: meta.quality,
    shared: meta.shared ?? false,
    mapping_choices: meta.choices ?? [],
    files: meta.files ?? [{ name: meta.name, rows: meta.rows, periods: [], hash: "" }],
    basis_notes: (meta.basisNotes ?? {}) as Record<string, string>,
  };
}
