/** The statements of a SQL text, split at top-level semicolons. */
export function splitStatements(sql: string): string[];
/** One statement laid out clause by clause (the same tokens, new whitespace). */
export function formatSql(sql: string): string;
