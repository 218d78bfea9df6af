/**
 * SQL text helpers shared by everything that writes DuckDB SQL: quoting of identifiers and
 * literals, and the raw column type DuckDB describes. A leaf module (it imports nothing), so
 * format detection and tag extraction can both use it without importing each other.
 * @module
 */

/** A raw column as DuckDB describes it. */
export interface RawColumn {
  name: string;
  type: string;
}

/**
 * Quotes an SQL identifier.
 *
 * @example
 * q('a"b') // → '"a""b"'
 */
export function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes an SQL string literal.
 *
 * @example
 * lit("O'Brien") // → "'O''Brien'"
 */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * The name inside a quoted SQL identifier ({@link q} undone).
 *
 * @example
 * unquote('"a""b"') // → 'a"b'
 */
export function unquote(quoted: string): string {
  return quoted.slice(1, -1).replaceAll('""', '"');
}
