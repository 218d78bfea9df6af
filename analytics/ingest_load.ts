/**
 * Reading a CSV into the canonical table slice by slice. The first slice is sniffed (dialect
 * and column types), the billing format detected from it, and every slice then read straight
 * into the canonical table in its own statement, so DuckDB never holds more than one slice of
 * text and the rows not yet compressed. Values are read as text and cast to the sniffed types
 * in SQL, strictly: a later value that does not fit stops the read, names its column, and that
 * column is re-typed (a whole-number column that meets a decimal becomes DOUBLE, anything else
 * text) before the slice is read again.
 * @module
 */
import { EngineError, QueryBudgetError, ValidationError } from "../errors.ts";
import { type CsvDialect, parseSniff, pinnedViewSql, readPinnedSql, SNIFF_MISS, sniffCsvSql } from "./csv_sql.ts";
import { countLines, leadingLines, linesBeforeRecord, withPreamble } from "./csv_slices.ts";
import { headerFieldsOf } from "./csv_input.ts";
import type { Engine } from "./engine.ts";
import { tableNames } from "./engine.ts";
import type { CanonicalColumn } from "./dataset.ts";
import { canonicalSelectSql, detectSchema, type FillCounts, RAW_ROW } from "./schema.ts";
import { lit, q, type RawColumn } from "./sql.ts";

/** Canonical columns parsed from a source column, checked for values that did not parse. */
const PARSED: CanonicalColumn[] = ["ChargePeriodStart", "BilledCost", "EffectiveCost", "ListCost", "PricingQuantity"];

/** The helper column that says whether a parsed column's source had a value. */
export const sourcePresent = (c: CanonicalColumn): string => `__finops_src_${c}`;

/** A detected billing format. */
type Schema = NonNullable<ReturnType<typeof detectSchema>>;

/** Rows the sniffer reads from the first slice (all of a 4 MB slice). */
const FIRST_SLICE_SAMPLE = -1;

/** What reading the slices left behind: the canonical table and how it was read. */
export interface LoadedCanonical {
  schema: Schema;
  dialect: CsvDialect;
  /** Canonical columns parsed from a source column (checked for unparsable values). */
  checked: CanonicalColumn[];
  /** Statements that read one slice into the canonical table, without the helper columns. */
  setupSql: string[];
  bytes: number;
}

/**
 * Reads line-aligned slices (the first starts with the header) into the dataset's canonical
 * table, with the helper columns the quality checks read. Errors are in plain words and name
 * the file's line.
 */
export async function loadCanonical(
  engine: Engine,
  datasetId: string,
  fileName: string,
  source: AsyncIterable<Uint8Array>,
): Promise<LoadedCanonical> {
  const slices = source[Symbol.asyncIterator]();
  const first = await slices.next();
  if (first.done) throw new ValidationError("The file is empty.", 422);
  const start = await readFirstSlice(engine, datasetId, first.value, fileName);
  const { dialect } = start;
  let schema = start.schema;
  const build = (helpers: boolean) => sliceSql(datasetId, dialect, schema, helpers);
  const ds = { id: datasetId, setupSql: build(true), preambleLines: dialect.skipRows + 1 };
  const lines = new LineBook(first.value, dialect.skipRows + 1);
  let bytes = 0;
  async function* counted() {
    for (let next = first; !next.done; next = await slices.next()) {
      lines.next(next.value);
      bytes += next.value.byteLength;
      yield next.value;
    }
  }
  let widenedAll = false;
  const retry = async (error: unknown, slice: number): Promise<boolean> => {
    const change = error instanceof EngineError && error.status === 422 ? changeFor(error.message, dialect) : [];
    if (change === "pad") dialect.nullPadding = true;
    else if (change.length && !widenedAll) {
      widenedAll = change.length > 1;
      schema = await widen(engine, datasetId, dialect, schema, change, { filled: start.filled, fileName });
    } else throw unreadable(error, (record) => lines.fileLine(record, slice));
    ds.setupSql = build(true);
    return true;
  };
  await engine.loadSlices(ds, counted(), { retry }).catch((e) => {
    throw tooLargeForEngine(e, `after about ${lines.read} lines`);
  });
  const checked = parsedSources(schema).map(([c]) => c);
  return { schema, dialect, checked, setupSql: build(false), bytes };
}

/**
 * A failure for want of engine memory as a 413 in plain words (other errors as they are). The
 * table and the compression of the rows read so far need memory that grows with the file, and
 * so do the checks on the whole table: past the engine's limit (a fatal error restarts the
 * worker) the file is too large for this server as configured. `where` says how far it got.
 */
export function tooLargeForEngine(e: unknown, where: string): unknown {
  const memory = e instanceof QueryBudgetError
    ? /more memory than the limit/.test(e.message)
    : e instanceof EngineError && e.status === 503 && /ran out of memory/.test(e.message);
  if (!memory) return e;
  return new ValidationError(
    `The file is too large for this server's engine memory (it failed ${where}): ` +
      "split it into smaller files, or raise ENGINE_QUERY_MEMORY_MB.",
    413,
  );
}

/**
 * Sniffs the first slice, checks its rows against the header, and detects the billing format
 * from its columns (fill counted on its rows).
 */
async function readFirstSlice(
  engine: Engine,
  datasetId: string,
  slice: Uint8Array,
  fileName: string,
): Promise<{ dialect: CsvDialect; schema: Schema; filled: FillCounts }> {
  const { raw, file } = tableNames(datasetId);
  const headerFields = headerFieldsOf(slice);
  await engine.attach(datasetId, slice.slice());
  let dialect: CsvDialect;
  try {
    dialect = await sniffDialect(engine, datasetId, file, headerFields);
    await engine.setup(datasetId, [pinnedViewSql(q(raw), file, dialect)]);
  } catch (e) {
    throw unreadable(e);
  }
  if (dialect.delimiter === "," && dialect.columns.length > headerFields) {
    throw await tooManyFields(engine, datasetId, dialect, headerFields);
  }
  const columns: RawColumn[] = dialect.columns;
  const filled = await fillCounts(engine, datasetId, columns);
  const schema = detectSchema(columns, { filled, fileName });
  if (!schema) {
    throw new ValidationError(
      "No billing data recognised: the file needs a date column and a numeric cost column " +
        `(columns found: ${columns.slice(0, 12).map((c) => c.name).join(", ")}${columns.length > 12 ? ", …" : ""}).`,
      422,
    );
  }
  return { dialect, schema, filled };
}

/**
 * Sniffs the attached first slice. Rows that leave out trailing empty fields (or carry extra
 * ones) made the sniffer misread the file: read again with short rows padded. (The header's
 * field count is taken at commas, so only a comma file is compared with it.)
 */
async function sniffDialect(
  engine: Engine,
  datasetId: string,
  file: string,
  headerFields: number,
): Promise<CsvDialect> {
  const dialect = parseSniff((await engine.query(datasetId, sniffCsvSql(file, FIRST_SLICE_SAMPLE))).rows[0]);
  if (
    headerFields > 1 &&
    (dialect.columns.length === 1 || (dialect.delimiter === "," && dialect.columns.length !== headerFields))
  ) {
    const padded = parseSniff((await engine.query(datasetId, sniffCsvSql(file, FIRST_SLICE_SAMPLE, true))).rows[0]);
    return { ...padded, nullPadding: true };
  }
  return dialect;
}

/** Sources of the canonical columns that are parsed (numbers and dates). */
function parsedSources(schema: Schema): [CanonicalColumn, string][] {
  return (Object.entries(schema.sources) as [CanonicalColumn, string][]).filter(([c]) => PARSED.includes(c));
}

/**
 * The statements that read the attached slice into the canonical table (created by the first
 * slice). With `helpers`: per parsed column, whether its source had a value (a helper column,
 * dropped once the quality checks have read it).
 */
export function sliceSql(
  datasetId: string,
  dialect: CsvDialect,
  schema: Schema,
  helpers: boolean,
): string[] {
  const { view, file } = tableNames(datasetId);
  const textual = new Set(dialect.columns.filter((c) => c.type === "VARCHAR").map((c) => c.name));
  // A typed (numeric) source is present when not NULL; only text can be blank.
  const present = (src: string) =>
    textual.has(src) ? `NULLIF(TRIM(${RAW_ROW}.${q(src)}), '') IS NOT NULL` : `${RAW_ROW}.${q(src)} IS NOT NULL`;
  const extra = helpers ? parsedSources(schema).map(([c, src]) => `${present(src)} AS ${q(sourcePresent(c))}`) : [];
  const select = canonicalSelectSql(dialect.columns, schema.mapping, extra);
  const from = `(${typedSourceSql(file, dialect)}) AS ${RAW_ROW}`;
  return [
    `CREATE TABLE IF NOT EXISTS ${q(view)} AS SELECT ${select} FROM ${from} LIMIT 0`,
    `INSERT INTO ${q(view)} SELECT ${select} FROM ${from}`,
  ];
}

/**
 * The slice's rows with every column read as text and cast to its pinned type, strictly: a
 * value that does not fit stops the read with an error naming the column and the value.
 * (DuckDB's reader would round "0.25" into a BIGINT column to 0 without a word.)
 */
export function typedSourceSql(file: string, dialect: CsvDialect): string {
  const asText = dialect.columns.map((c) => ({ ...c, type: "VARCHAR" }));
  const columns = dialect.columns.map((c) => `${strictCastSql(c)} AS ${q(c.name)}`);
  return `SELECT ${columns.join(", ")} FROM ${readPinnedSql(file, { ...dialect, columns: asText })}`;
}

/** A text column cast to `column.type`, or an error naming the column and the first value that does not fit. */
function strictCastSql(column: RawColumn): string {
  const c = q(column.name);
  if (column.type === "VARCHAR") return c;
  const fail = `error('Could not convert string "' || ${c} || '" in column ' || ${lit(`"${column.name}"`)})`;
  if (column.type === "BIGINT") {
    return `CASE WHEN regexp_full_match(${c}, '\\s*[+-]?[0-9]+\\s*') THEN CAST(${c} AS BIGINT) ` +
      `WHEN ${c} IS NULL THEN NULL ELSE ${fail} END`;
  }
  return `COALESCE(TRY_CAST(${c} AS ${column.type}), CASE WHEN ${c} IS NULL THEN NULL ELSE ${fail} END)`;
}

/** A column to read with a wider type. */
type Widening = { column: RawColumn; type: string };

/**
 * What to change after a slice failed to read: the column a value did not fit (a whole-number
 * column that met a decimal becomes DOUBLE, anything else text), every typed column as text
 * when the message names none, "pad" for rows shorter than the header, nothing (empty) when
 * the error is not about types.
 */
function changeFor(message: string, dialect: CsvDialect): Widening[] | "pad" {
  const fields = message.match(/Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)/i);
  if (fields) return Number(fields[2]) < Number(fields[1]) && !dialect.nullPadding ? "pad" : [];
  if (!SNIFF_MISS.test(message)) return [];
  const typed = dialect.columns.filter((c) => c.type !== "VARCHAR");
  const named = message.match(/column "([^"\n]+)"/i)?.[1];
  const column = typed.find((c) => c.name === named);
  if (!column) return typed.map((c) => ({ column: c, type: "VARCHAR" }));
  const value = message.match(/convert string "([^"]*)"/i)?.[1] ?? "";
  const numeric = value.trim() !== "" && Number.isFinite(Number(value.trim()));
  return [{ column, type: column.type === "BIGINT" && numeric ? "DOUBLE" : "VARCHAR" }];
}

/**
 * Re-types columns: a column the table keeps as it is changes type in the table (its rows so
 * far converted); a column the billing mapping reads keeps the mapping's choices, now read
 * from the wider type (a text cost is parsed as the mapping parses text). If the wider type
 * would change which columns the mapping reads, the file is refused: the rows read so far
 * were mapped otherwise.
 */
async function widen(
  engine: Engine,
  datasetId: string,
  dialect: CsvDialect,
  schema: Schema,
  change: Widening[],
  detection: { filled: FillCounts; fileName: string },
): Promise<Schema> {
  const { view } = tableNames(datasetId);
  const canonical = new Set(Object.keys(schema.mapping).map((c) => c.toLowerCase()));
  for (const { column, type } of change) {
    column.type = type;
    if (!canonical.has(column.name.toLowerCase())) {
      await engine.setup(datasetId, [`ALTER TABLE ${q(view)} ALTER COLUMN ${q(column.name)} TYPE ${type}`]);
    }
  }
  const again = detectSchema(dialect.columns, detection);
  if (!again || JSON.stringify(again.sources) !== JSON.stringify(schema.sources)) {
    const names = change.map((c) => `'${c.column.name}'`).join(", ");
    throw new ValidationError(
      `Column ${names} changes kind after the first rows (numbers, then text): the billing columns chosen from the ` +
        "first rows no longer apply. Make the column hold one kind of value, or upload the rows where it changes first.",
      422,
    );
  }
  return again;
}

/** Columns whose fill is measured at most (a wider file is chosen by name alone). */
const MAX_FILL_COLUMNS = 300;

/**
 * Non-empty values per column in the first slice, so a candidate column that exists but is
 * empty loses to the next (GCP's location.region).
 */
async function fillCounts(engine: Engine, datasetId: string, raw: RawColumn[]): Promise<Map<string, number>> {
  if (!raw.length || raw.length > MAX_FILL_COLUMNS) return new Map();
  const { raw: rawView } = tableNames(datasetId);
  const counts = raw.map((c) => `count(NULLIF(TRIM(CAST(${q(c.name)} AS VARCHAR)), ''))`);
  const rs = await engine.query(datasetId, `SELECT ${counts.join(", ")} FROM ${q(rawView)}`).catch((e) => {
    throw unreadable(e);
  });
  return new Map(raw.map((c, i) => [c.name, Number(rs.rows[0][i])]));
}

/**
 * A row with more fields than the header: which column a value belongs to is a guess, so the
 * file is refused with the first such line (DuckDB would have named the extra fields
 * `column12`, …).
 */
async function tooManyFields(
  engine: Engine,
  datasetId: string,
  dialect: { columns: { name: string }[]; skipRows: number },
  headerFields: number,
): Promise<ValidationError> {
  const { raw } = tableNames(datasetId);
  const extra = dialect.columns.slice(headerFields).map((c) => q(c.name));
  const rs = await engine.query(
    datasetId,
    `SELECT n, ${extra.map((c) => `(${c} IS NOT NULL)::INT`).join(" + ")} AS more FROM ` +
      `(SELECT row_number() OVER () AS n, * FROM ${q(raw)}) WHERE ${
        extra.map((c) => `${c} IS NOT NULL`).join(" OR ")
      } LIMIT 1`,
  );
  const [n, more] = rs.rows[0] ?? [null, 1];
  const line = n === null ? "a line" : `line ${Number(n) + 1 + dialect.skipRows}`;
  return new ValidationError(
    `${line[0].toUpperCase()}${line.slice(1)} has ${headerFields + Number(more)} fields, the header ${headerFields}: ` +
      "which column each value belongs to is ambiguous. Fix that line (a delimiter inside an unquoted value?) and upload again.",
    422,
  );
}

/**
 * Where each slice starts among the file's lines, so an error DuckDB numbers within a slice
 * (its records, the preamble first) names the file's line.
 */
class LineBook {
  #preamble: Uint8Array;
  #slice: Uint8Array = new Uint8Array(0);
  #linesBefore = 0;
  #seen = 0;

  constructor(first: Uint8Array, preambleLines: number) {
    this.#preamble = leadingLines(first, preambleLines).slice();
  }

  /** Lines of the file read so far. */
  get read(): number {
    return this.#seen;
  }

  /** The next slice is read. */
  next(slice: Uint8Array): void {
    this.#linesBefore = this.#seen;
    this.#seen += countLines(slice);
    this.#slice = slice;
  }

  /** The file's line where DuckDB's record `record` (1-based) of slice `slice` starts. */
  fileLine(record: number, slice: number): number {
    const read = slice ? withPreamble(this.#preamble, this.#slice) : this.#slice;
    const inRead = linesBeforeRecord(read, record - 1) + 1;
    return slice ? this.#linesBefore + inRead - countLines(this.#preamble) : inRead;
  }
}

/**
 * A read failure in plain words: what is wrong with the file, never an engine message or a
 * path. `fileLine` turns DuckDB's line (a record of the slice it read) into the file's line.
 */
export function unreadable(e: unknown, fileLine: (record: number) => number = (record) => record): unknown {
  if (!(e instanceof EngineError)) return e;
  const m = e.message;
  const expected = m.match(/Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)/i);
  const line = m.match(/\b[Ll]ine:?\s*(\d+)/);
  if (expected) {
    return new ValidationError(
      `${line ? `Line ${fileLine(Number(line[1]))}` : "A line"} has ${expected[2]} fields, the header ${
        expected[1]
      }. Fix that line and upload again.`,
      422,
    );
  }
  if (/sniff|CSV Error|Could not convert|Conversion Error/i.test(m)) {
    return new ValidationError(
      "The file could not be read as a CSV table: check that every line uses the same delimiter and that quotes " +
        "are balanced (a value with a comma must be in double quotes).",
      422,
    );
  }
  // Whatever else DuckDB said, a path of ours never reaches the client.
  return e.message.includes("/upload/")
    ? new EngineError(e.message.replace(/"?\/upload\/[^\s"]*"?/g, "the file"), e.status as 422)
    : e;
}
