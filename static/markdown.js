/**
 * Safe Markdown for answers: every character of the text is HTML-escaped first, then a small,
 * known subset becomes markup (paragraphs, lists, quotes, tables, code, bold, italic). No raw
 * HTML and no links ever pass through, so a service named `<img src=x onerror=…>` stays text.
 * @module
 */

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Inline markup of one escaped line: code spans, backslash escapes, bold, italic. */
function inline(raw) {
  const held = [];
  const hold = (html) => `\uE000${held.push(html) - 1}\uE000`;
  let s = raw.replace(/\uE000/g, "").replace(/`([^`]+)`/g, (_, code) => hold(`<code>${escapeHtml(code)}</code>`));
  s = s.replace(/\\([\\`*_[\]<>#|~-])/g, (_, ch) => hold(escapeHtml(ch)));
  s = escapeHtml(s);
  s = s.replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, "<strong>$1</strong>");
  s = s.replace(/(^|[\s(])_(?=\S)([^_]*?\S)_(?=$|[\s).,;:!?])/g, "$1<em>$2</em>");
  return s.replace(/\uE000(\d+)\uE000/g, (_, i) => held[Number(i)]);
}

function splitRow(line) {
  const cells = [];
  let cur = "";
  const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "\\" && i + 1 < body.length) {
      cur += body[i] + body[i + 1];
      i++;
    } else if (body[i] === "|") {
      cells.push(cur.trim());
      cur = "";
    } else cur += body[i];
  }
  cells.push(cur.trim());
  return cells;
}

/**
 * Renders answer Markdown to HTML.
 *
 * @example
 * renderMarkdown("**Top** <b>x</b>") // → "<p><strong>Top</strong> &lt;b&gt;x&lt;/b&gt;</p>"
 */
export function renderMarkdown(text) {
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let para = [];
  const flush = () => {
    if (para.length) out.push(`<p>${para.map(inline).join("<br>")}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```/.test(line)) {
      flush();
      const code = [];
      for (i++; i < lines.length && !/^```/.test(lines[i]); i++) code.push(lines[i]);
      out.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
    } else if (/^\s*\|.*\|\s*$/.test(line) && /^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? "")) {
      flush();
      const head = splitRow(line);
      const align = splitRow(lines[i + 1]).map((c) => (c.endsWith(":") ? ' class="num"' : ""));
      const rows = [];
      for (i += 2; i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i]); i++) rows.push(splitRow(lines[i]));
      i--;
      out.push(
        `<div class="md-table"><table><thead><tr>${
          head.map((h, j) => `<th${align[j] ?? ""}>${inline(h)}</th>`).join("")
        }</tr></thead><tbody>${
          rows.map((r) => `<tr>${r.map((c, j) => `<td${align[j] ?? ""}>${inline(c)}</td>`).join("")}</tr>`).join("")
        }</tbody></table></div>`,
      );
    } else if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      flush();
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      for (; i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i]); i++) {
        items.push(`<li>${inline(lines[i].replace(/^\s*([-*]|\d+\.)\s+/, ""))}</li>`);
      }
      i--;
      out.push(ordered ? `<ol>${items.join("")}</ol>` : `<ul>${items.join("")}</ul>`);
    } else if (/^>\s?/.test(line)) {
      flush();
      const quote = [];
      for (; i < lines.length && /^>\s?/.test(lines[i]); i++) quote.push(inline(lines[i].replace(/^>\s?/, "")));
      i--;
      out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
    } else if (/^#{1,4}\s+/.test(line)) {
      flush();
      out.push(`<h4>${inline(line.replace(/^#{1,4}\s+/, ""))}</h4>`);
    } else if (!line.trim()) flush();
    else para.push(line);
  }
  flush();
  return out.join("\n");
}
