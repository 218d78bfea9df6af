// @ts-self-types="./sql_format.d.ts"
/**
 * SQL laid out for reading: each clause on its own line, the SELECT list one item a line,
 * AND/OR of a WHERE indented under it, subqueries indented; strings and quoted names are never
 * touched, so the text runs exactly as before. Several statements are split at their
 * semicolons. Pure functions, used by the chat page.
 * @module
 */

const CLAUSES = new Set([
  "WITH",
  "SELECT",
  "FROM",
  "WHERE",
  "GROUP BY",
  "HAVING",
  "QUALIFY",
  "WINDOW",
  "ORDER BY",
  "LIMIT",
  "OFFSET",
  "UNION",
  "UNION ALL",
  "EXCEPT",
  "INTERSECT",
]);

/** Splits SQL into tokens: quoted text, words, spaces, single symbols. */
function tokenize(sql) {
  const tokens = [];
  const pattern = /'(?:[^']|'')*'?|"(?:[^"]|"")*"?|--[^\n]*|\s+|[A-Za-z_][A-Za-z0-9_$]*|[0-9.]+|./gs;
  for (const m of sql.matchAll(pattern)) {
    const text = m[0];
    const type = /^\s/.test(text)
      ? "space"
      : /^[A-Za-z_]/.test(text)
      ? "word"
      : /^['"-]/.test(text) && text.length > 1
      ? "quoted"
      : "symbol";
    tokens.push({ text, type });
  }
  return tokens;
}

/** The next token after `i` that is not a space. */
function nextSolid(tokens, i) {
  for (let j = i + 1; j < tokens.length; j++) if (tokens[j].type !== "space") return { token: tokens[j], at: j };
  return null;
}

/**
 * The statements of a SQL text (split at top-level semicolons), each without its semicolon.
 *
 * @example
 * splitStatements("SELECT 1;\n\nSELECT ';'") // → ["SELECT 1", "SELECT ';'"]
 */
export function splitStatements(sql) {
  const out = [];
  let current = "";
  let depth = 0;
  for (const t of tokenize(sql)) {
    if (t.text === "(") depth++;
    if (t.text === ")") depth--;
    if (t.text === ";" && depth <= 0) {
      if (current.trim()) out.push(current.trim());
      current = "";
    } else current += t.text;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/**
 * One statement laid out clause by clause.
 *
 * @example
 * formatSql('SELECT "a", SUM("c") AS "s" FROM t WHERE x = 1 AND y = 2 GROUP BY "a"')
 * // → 'SELECT\n  "a",\n  SUM("c") AS "s"\nFROM t\nWHERE x = 1\n  AND y = 2\nGROUP BY "a"'
 */
export function formatSql(sql) {
  const tokens = tokenize(sql.trim());
  const lines = [];
  let line = "";
  // One frame per open parenthesis; only a subquery's clauses start new lines.
  const frames = [{ sub: true, indent: 0, clause: "" }];
  const indentOf = (text) => text.length - text.trimStart().length;
  const newline = (indent) => {
    if (line.trim()) lines.push(line.trimEnd());
    line = " ".repeat(indent);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const frame = frames.at(-1);
    if (token.type === "space") {
      if (line.trim() && !line.endsWith(" ") && !line.endsWith("(")) line += " ";
      continue;
    }
    const word = token.type === "word" ? token.text.toUpperCase() : "";
    const after = word ? nextSolid(tokens, i) : null;
    const pair = after?.token.type === "word" ? `${word} ${after.token.text.toUpperCase()}` : "";
    const clause = frame.sub && (CLAUSES.has(pair) ? pair : CLAUSES.has(word) ? word : "");
    if (clause) {
      newline(frame.indent);
      frame.clause = clause;
      if (clause === pair) {
        line += `${token.text} ${after.token.text}`;
        i = after.at;
      } else line += token.text;
      if (clause === "SELECT") newline(frame.indent + 2);
      continue;
    }
    if (frame.sub && (word === "AND" || word === "OR") && (frame.clause === "WHERE" || frame.clause === "HAVING")) {
      newline(frame.indent + 2);
      line += token.text;
      continue;
    }
    if (token.text === "(") {
      const inner = nextSolid(tokens, i)?.token.text.toUpperCase();
      line += "(";
      const sub = inner === "SELECT" || inner === "WITH";
      frames.push({ sub, indent: indentOf(line) + 2, clause: "" });
      continue;
    }
    if (token.text === ")" && frames.length > 1) {
      const closed = frames.pop();
      if (closed.sub) newline(closed.indent - 2);
      line = line.trimEnd() === "" ? line : line.replace(/ $/, "");
      line += ")";
      continue;
    }
    if (token.text === "," && frame.sub && frame.clause === "SELECT") {
      line = line.trimEnd() + ",";
      newline(frame.indent + 2);
      continue;
    }
    if (token.text === ",") {
      line = line.trimEnd() + ",";
      continue;
    }
    line += token.text;
  }
  newline(0);
  return lines.join("\n");
}
