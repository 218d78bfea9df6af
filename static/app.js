/**
 * The chat page: one session per conversation (its id kept in localStorage), answers streamed
 * from `POST /session/{id}/query/stream` with a fallback to the plain endpoint, charts drawn with
 * vega-embed (the PNG when that fails), tables sortable, SQL one click from the clipboard.
 * Everything from the server is inserted as text or through the escaping Markdown renderer.
 */
import { columnKind, formatCell, splitMethod, unitColumn } from "./format.js";
import { renderMarkdown } from "./markdown.js";
import { formatSql, splitStatements } from "./sql_format.js";

const $ = (id) => document.getElementById(id);
const KEY = "finops.session";
const KNOWN = "finops.sessions";
const ROWS_SHOWN = 10;
const SUGGESTIONS = [
  "Top 5 services last month",
  "Cost per month as a chart",
  "Forecast next quarter",
  "Any cost anomalies?",
  "What is a savings plan?",
];
const STEP_TEXT = {
  understood: (s) => `Understood as ${s.intent.replace("_", " ")}`,
  analysis: (s) => `Running the ${s.analysis.replace("_", " ")} analysis`,
  llm: (s) => `Model called ${s.tool}`,
  sql: () => "Running SQL",
  rows: (s) => `${plural(s.rows, "row")} returned`,
  chart: () => "Drawing the chart",
};

let session = null;
let dataset = null;
let busy = false;
let interpreter = null;

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, init = {}) {
  const res = await fetch(path, init);
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json() : await res.text();
  if (!res.ok) throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}
const postJson = (path, body) =>
  api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---- sessions ---------------------------------------------------------------------------------

function knownSessions() {
  try {
    return JSON.parse(localStorage.getItem(KNOWN) ?? "[]");
  } catch {
    return [];
  }
}
function remember(id) {
  localStorage.setItem(KEY, id);
  localStorage.setItem(KNOWN, JSON.stringify([id, ...knownSessions().filter((x) => x !== id)].slice(0, 30)));
}
function forget(id) {
  localStorage.setItem(KNOWN, JSON.stringify(knownSessions().filter((x) => x !== id)));
  if (localStorage.getItem(KEY) === id) localStorage.removeItem(KEY);
}

async function createSession(useSample = true) {
  const s = await postJson("/session/create", { use_sample: useSample });
  await switchTo(s.session_id);
}

async function switchTo(id) {
  await commitClear();
  session = id;
  remember(id);
  // The upload status belongs to the session it was for.
  $("upload-status").textContent = "";
  $("upload-status").className = "status";
  $("export-md").href = `/session/${id}/export?format=md`;
  $("export-json").href = `/session/${id}/export?format=json`;
  $("messages").replaceChildren();
  await loadDataset();
  await Promise.all([loadHistory(), loadMemory(), loadSessions()]);
}

async function loadSessions() {
  const all = await api("/sessions");
  const mine = new Set(knownSessions());
  const list = $("sessions");
  list.replaceChildren();
  for (const s of all.filter((x) => mine.has(x.session_id))) {
    const when = new Date(s.last_activity).toLocaleString();
    const turns = s.message_count / 2 | 0;
    const label = `${s.dataset_name ?? "no data"} · ${plural(turns, "turn")}`;
    list.append(
      el(
        "li",
        { class: s.session_id === session ? "current" : "" },
        el("button", {
          class: "link",
          type: "button",
          title: `Last active ${when}`,
          "aria-current": s.session_id === session ? "true" : "false",
          onclick: () => switchTo(s.session_id),
        }, label),
        el("button", {
          class: "del",
          type: "button",
          "aria-label": `Delete session ${label}`,
          onclick: () => deleteSession(s.session_id),
        }, "✕"),
      ),
    );
  }
}

async function deleteSession(id) {
  if (!confirm("Delete this session, its history, charts and uploaded data?")) return;
  await api(`/session/${id}`, { method: "DELETE" });
  forget(id);
  if (id === session) {
    const next = knownSessions()[0];
    if (next) await switchTo(next).catch(() => createSession());
    else await createSession();
  } else await loadSessions();
}

// ---- dataset, memory ----------------------------------------------------------------------------

function dl(pairs) {
  const d = el("dl");
  for (const [k, v] of pairs) if (v !== null && v !== undefined && v !== "") d.append(el("dt", {}, k), el("dd", {}, v));
  return d;
}

async function loadDataset() {
  try {
    dataset = await api(`/session/${session}/dataset`);
  } catch (e) {
    if (e.status !== 404) throw e;
    dataset = null;
  }
  const box = $("dataset");
  if (!dataset) {
    box.replaceChildren("No data loaded. Upload a CSV or use the sample data.");
    $("dataset-chip").textContent = "no data";
    $("use-sample").hidden = false;
    return;
  }
  const dr = dataset.date_range;
  box.replaceChildren(dl([
    ["File", dataset.name],
    ["Rows", dataset.rows.toLocaleString()],
    [
      "Dates",
      dr
        ? el("span", {}, el("span", { class: "nowrap" }, dr.start), " → ", el("span", { class: "nowrap" }, dr.end))
        : "none",
    ],
    ["Format", dataset.schema_label],
    ["Currency", dataset.currencies.length > 1 ? dataset.currencies.join(", ") : dataset.currency ?? "not stated"],
    ["Cost bases", dataset.cost_bases.join(", ")],
  ]));
  $("dataset-chip").textContent = `${dataset.name} · ${dataset.rows.toLocaleString()} rows`;
  $("use-sample").hidden = !!dataset.shared;
}

async function loadMemory() {
  const m = await api(`/session/${session}/memory`);
  const r = m.remembered;
  const filters = r?.filters?.map((f) => `${f.column} ${f.op === "in" ? "=" : "≠"} ${f.values.join(", ")}`).join("; ");
  $("memory").replaceChildren(dl([
    ["Messages", String(m.total_messages)],
    ["Turns", String(m.turns)],
    ["Filters", filters || "none"],
    ["Grouped by", r?.group_by?.join(", ") || null],
    ["Period", r?.time_range ? `${r.time_range.label} (${r.time_range.start} → ${r.time_range.end})` : null],
    ["Basis", r?.basis ?? null],
  ]));
}

// ---- upload -----------------------------------------------------------------------------------

function upload(file) {
  const status = $("upload-status");
  const bar = $("upload-progress");
  status.className = "status";
  status.textContent = `Uploading ${file.name}…`;
  bar.hidden = false;
  bar.value = 0;
  const fd = new FormData();
  fd.append("file", file);
  // With the session's own data loaded, ask whether the file replaces it or is added to it
  // (parts of an export, the next month); the bundled sample is always replaced.
  const add = Boolean(dataset && !dataset.shared) &&
    confirm(`Add ${file.name} to the data already loaded (${dataset.name})?\n\nOK: add it. Cancel: replace the data.`);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", `/session/${session}/upload-csv${add ? "?mode=append" : ""}`);
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    if (e.loaded === e.total) status.textContent = `Reading ${file.name}…`;
  };
  xhr.onload = async () => {
    bar.hidden = true;
    let body = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch { /* not JSON */ }
    if (xhr.status !== 200) {
      status.className = "status error";
      status.textContent = body?.error?.message ?? `Upload failed (HTTP ${xhr.status}).`;
      return;
    }
    status.textContent = body.message;
    await dataChanged();
  };
  xhr.onerror = () => {
    bar.hidden = true;
    status.className = "status error";
    status.textContent = "Upload failed: the server could not be reached.";
  };
  xhr.send(fd);
}

// ---- messages ---------------------------------------------------------------------------------

async function loadHistory() {
  const h = await api(`/session/${session}/history`);
  let used = null;
  h.history.forEach((m, i) => {
    if (m.role === "user") {
      // A turn computed on other data than the turn before it starts after a marker.
      const data = h.history[i + 1]?.metadata?.dataset ?? null;
      if (data && used && data.id !== used.id) addDataMarker(used, data);
      if (data) used = data;
      addUser(m.content);
    } else renderAnswer(addAssistant(), { ...m.metadata, response: m.content });
  });
  if (used && dataset && used.id !== dataset.id) addDataMarker(used, dataset);
  renderSuggestions();
  scrollDown();
}

/**
 * A line in the conversation where its data changed: the answers above it were computed on
 * `before`, the ones below on `after`, and the conversation's memory was reset with the change.
 */
function addDataMarker(before, after) {
  $("messages").append(
    el(
      "div",
      { class: "data-marker", role: "note" },
      el("strong", {}, "Data changed. "),
      `Answers above used ${before.name} (${plural(before.rows, "row")}); from here on: ${after.name} (${
        plural(after.rows, "row")
      }). Filters and periods remembered from the earlier answers were reset.`,
    ),
  );
}

/**
 * After an upload or the sample: the sidebar reloaded, and the change marked in a conversation
 * that has answers.
 */
async function dataChanged() {
  const before = dataset;
  await Promise.all([loadDataset(), loadSessions(), loadMemory()]);
  const answered = $("messages").querySelector(".msg.assistant");
  if (answered && before && dataset && before.id !== dataset.id) {
    addDataMarker(before, dataset);
    scrollDown();
  }
  renderSuggestions();
}

function renderSuggestions() {
  const box = $("suggestions");
  box.replaceChildren();
  $("messages").querySelector(".welcome")?.remove();
  if ($("messages").querySelector(".msg")) return;
  const data = dataset ? `${dataset.name} (${dataset.rows.toLocaleString()} rows)` : "the sample data";
  $("messages").append(
    el(
      "div",
      { class: "welcome" },
      el("h2", {}, "Ask your cloud bill anything"),
      el(
        "p",
        {},
        `Questions run as SQL over ${data}. Every answer shows its numbers with the cost basis and currency, ` +
          "the SQL that produced them and the result rows; follow-ups like “what about S3?” remember the " +
          "conversation. Upload your own FOCUS, AWS, Azure, GCP or OCI export in the sidebar (☰ on a phone).",
      ),
    ),
  );
  for (const q of SUGGESTIONS) box.append(el("button", { type: "button", onclick: () => ask(q) }, q));
}

function scrollDown() {
  const m = $("messages");
  m.scrollTop = m.scrollHeight;
}

function addUser(text) {
  const node = el("div", { class: "msg user" }, text);
  $("messages").append(node);
  return node;
}

function addAssistant() {
  const node = el("div", { class: "msg assistant" });
  $("messages").append(node);
  return node;
}

/** A result's columns with their kinds and labels (answers from before kinds were sent: decided here). */
function columnsOf(result) {
  return result.columns.map((c) => ({ ...c, kind: c.kind ?? columnKind(c, true), label: c.label ?? c.name }));
}

/**
 * The rows a table opens with: a forecast's own rows (its history is one click away), otherwise
 * all of them (the first ten shown).
 */
function leadingRows(result, cols) {
  const forecast = cols.findIndex((c) => c.name === "forecast");
  if (forecast < 0) return null;
  const ahead = result.rows.filter((r) => r[forecast] !== null);
  return ahead.length && ahead.length < result.rows.length ? ahead : null;
}

function resultTable(result, currency) {
  const cols = columnsOf(result);
  const unitAt = unitColumn(cols);
  const numeric = cols.map((c) => !["text", "date"].includes(c.kind));
  const lead = leadingRows(result, cols);
  let rows = result.rows.slice();
  let all = false;
  const wrap = el("div", { class: "table-wrap" });
  const table = el("table");
  const tbody = el("tbody");
  const heads = cols.map((c, i) =>
    el("th", {
      scope: "col",
      tabindex: "0",
      "aria-sort": "none",
      class: numeric[i] ? "num" : "",
      title: c.label === c.name ? "Sort" : `${c.name} · sort`,
      onclick: () => sortBy(i),
      onkeydown: (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sortBy(i);
        }
      },
    }, c.label)
  );
  function sortBy(i) {
    const dir = heads[i].getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    heads.forEach((h) => h.setAttribute("aria-sort", "none"));
    heads[i].setAttribute("aria-sort", dir);
    const sign = dir === "ascending" ? 1 : -1;
    rows = rows.slice().sort((a, b) => {
      const x = a[i], y = b[i];
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * sign;
    });
    all = true;
    draw();
  }
  const more = el("button", { type: "button", class: "secondary" });
  more.addEventListener("click", () => {
    all = !all;
    draw();
  });
  function draw() {
    const shown = all ? rows : (lead ?? rows).slice(0, ROWS_SHOWN);
    tbody.replaceChildren(
      ...shown.map((r) =>
        el(
          "tr",
          {},
          ...r.map((v, i) =>
            el("td", { class: numeric[i] ? "num" : "" }, formatCell(v, cols[i].kind, currency, undefined, r[unitAt]))
          ),
        )
      ),
    );
    more.hidden = rows.length <= ROWS_SHOWN;
    more.textContent = all
      ? `Show the first ${ROWS_SHOWN}${lead ? " forecast rows" : ""}`
      : `Show all ${rows.length} rows${lead ? " (history too)" : ""}`;
  }
  table.append(el("thead", {}, el("tr", {}, ...heads)), tbody);
  wrap.append(table);
  draw();
  const count = lead ? `${lead.length} forecast rows, ${rows.length} in all` : plural(rows.length, "row");
  return el(
    "details",
    { class: "result", open: "" },
    el("summary", {}, `Result: ${count}`),
    wrap,
    el("div", { class: "sql-actions" }, more),
  );
}

/** "1 row", "3 rows". */
function plural(n, word) {
  return `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;
}

function sqlBlock(sql) {
  const statements = splitStatements(sql);
  const laidOut = statements.map(formatSql);
  const copy = el("button", { type: "button", class: "secondary" }, "Copy SQL");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(laidOut.join(";\n\n"));
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy the text above";
    }
    setTimeout(() => (copy.textContent = "Copy SQL"), 2000);
  });
  const blocks = laidOut.map((text, i) => [
    statements.length > 1 ? el("p", { class: "sql-step" }, `Query ${i + 1} of ${statements.length}`) : null,
    // Scrollable: reachable by keyboard (axe "scrollable-region-focusable").
    el("pre", { tabindex: "0", "aria-label": `SQL${statements.length > 1 ? ` ${i + 1}` : ""}` }, el("code", {}, text)),
  ]).flat();
  return el(
    "details",
    { class: "sql" },
    el(
      "summary",
      {},
      statements.length > 1
        ? `SQL that produced these numbers (${statements.length} queries)`
        : "SQL that produced these numbers",
    ),
    ...blocks,
    el("div", { class: "sql-actions" }, copy),
  );
}

/** Loads the charts' font before the first chart, so Vega measures labels in the font it draws them in. */
let fontsReady = null;
function chartFonts() {
  fontsReady ??= Promise.all([document.fonts.load("11px Inter"), document.fonts.load("600 16px Inter")]).catch(
    () => {},
  );
  return fontsReady;
}

/** Breaks a title into lines of at most `max` characters at spaces. */
function wrapText(text, max) {
  if (typeof text !== "string" || text.length <= max) return text;
  const lines = [""];
  for (const word of text.split(" ")) {
    const last = lines.length - 1;
    if (lines[last] && (lines[last] + " " + word).length > max) lines.push(word);
    else lines[last] = lines[last] ? `${lines[last]} ${word}` : word;
  }
  return lines;
}

/**
 * The server's chart spec fitted to a container `width` pixels wide: the width follows the
 * container (and its resizes), titles and legends wrap, labels are cut to fit; marks are not
 * described one by one to screen readers (the figure has one description and the table holds
 * every number).
 */
function fitted(spec, width) {
  const narrow = width < 520;
  const out = structuredClone(spec);
  out.width = "container";
  // Only the width is fitted: the height is the plot's, so bars and lines keep their room.
  out.autosize = { type: "fit-x", contains: "padding", resize: true };
  if (typeof out.height === "number" && narrow && out.height > 240) {
    out.height = Math.max(240, Math.round(width * 0.8));
  }
  if (narrow) capLabels(out, Math.round(width * 0.4));
  if (out.title) {
    out.title.text = wrapText(out.title.text, Math.max(24, Math.floor(width / 9.5)));
    if (out.title.subtitle) out.title.subtitle = wrapText(out.title.subtitle, Math.max(30, Math.floor(width / 6.6)));
  }
  const config = (out.config ??= {});
  config.aria = false;
  if (narrow) {
    config.legend = { ...config.legend, orient: "bottom", columns: width < 400 ? 1 : 2, labelLimit: width - 60 };
    config.axis = { ...config.axis, labelLimit: Math.round(width * 0.4) };
    config.title = { ...config.title, fontSize: 14 };
  }
  return out;
}

/** Caps every axis and legend label width in a spec at `max` pixels (labels are cut with "…"). */
function capLabels(node, max) {
  if (!node || typeof node !== "object") return;
  if (typeof node.labelLimit === "number") node.labelLimit = Math.min(node.labelLimit, max);
  for (const value of Object.values(node)) capLabels(value, max);
}

/** What a chart shows, in words, for screen readers. */
function chartDescription(spec) {
  const title = spec?.title;
  const text = [title?.text, title?.subtitle].flat().filter(Boolean).join(". ");
  return `${text || "Chart of the answer"}. The numbers are in the result table.`;
}

/** Draws an answer's chart into a block that `insert` puts in the page; false when there is none to show. */
async function chartBlock(a, insert) {
  // The figure's one description; what Vega draws inside is hidden from screen readers (it labels
  // every mark group, and the table below holds every number).
  const canvas = el("div", { class: "chart-canvas", "aria-hidden": "true" });
  const box = el("div", { class: "chart", role: "img", "aria-label": "Chart of the answer" }, canvas);
  const actions = el("div", { class: "chart-actions" });
  const wrap = el("div", { class: "chart-wrap" }, box, actions);
  insert(wrap);
  // An answer from the history has its chart's spec stored with the chart, beside the PNG.
  const chartSpec = a.chart_spec ??
    (a.chart_url ? await api(a.chart_url.replace(/\.png$/, ".json")).catch(() => null) : null);
  const description = chartDescription(chartSpec);
  box.setAttribute("aria-label", description);
  if (a.chart_url) actions.append(el("a", { href: a.chart_url, download: "finops-chart.png" }, "Download PNG"));
  if (chartSpec && globalThis.vegaEmbed) {
    try {
      await chartFonts();
      interpreter ??= (await import("/vendor/vega-interpreter.js")).expressionInterpreter;
      // The box must be in the page to have a width: the caller has put `wrap` there.
      const spec = { ...fitted(chartSpec, box.clientWidth || 700), description };
      const result = await globalThis.vegaEmbed(canvas, spec, {
        actions: false,
        ast: true,
        expr: interpreter,
        renderer: "svg",
      });
      box.setAttribute("data-rendered", "vega");
      // The PNG as drawn here, at this screen's size (the server's is 720 px wide).
      const link = actions.querySelector("a");
      if (link) {
        link.addEventListener("click", async (e) => {
          if (link.dataset.ready) return;
          e.preventDefault();
          link.href = await result.view.toImageURL("png", 2);
          link.dataset.ready = "1";
          link.click();
        });
      }
      return true;
    } catch (e) {
      console.warn("interactive chart failed, showing the PNG", e);
      canvas.replaceChildren();
    }
  }
  if (a.chart_url) {
    canvas.append(el("img", { src: a.chart_url, alt: "" }));
    box.setAttribute("data-rendered", "png");
    return true;
  }
  wrap.remove();
  return false;
}

/** How the question was read, in one line, with the words not used (text only, never HTML). */
function readingLine(reading) {
  if (!reading?.text) return null;
  const line = el("p", { class: "reading" }, el("strong", {}, "Read as: "), reading.text);
  if (reading.unused?.length) {
    line.append(el("span", { class: "unused" }, ` · not used: ${reading.unused.map((w) => `"${w}"`).join(", ")}`));
  }
  return line;
}

function markdownBlock(text, attrs = {}) {
  const body = el("div", { class: "md", ...attrs });
  body.innerHTML = renderMarkdown(text); // escaped by renderMarkdown
  return body;
}

async function renderAnswer(node, a) {
  node.replaceChildren();
  const { findings, method } = splitMethod(a.response);
  node.append(markdownBlock(findings));
  const tags = el("div", { class: "meta" });
  if (a.basis) {
    tags.append(el("span", { class: "tag basis" }, `${a.basis} cost${a.currency ? ` · ${a.currency}` : ""}`));
  }
  if (a.planner) {
    tags.append(el("span", { class: "tag" }, a.planner === "llm" ? "planned by the LLM" : "built-in planner"));
  }
  if (a.subagent) tags.append(el("span", { class: "tag" }, a.subagent.replace("_", " ")));
  if (a.llm?.fallback) tags.append(el("span", { class: "tag", title: a.llm.fallback }, "LLM fell back"));
  node.append(tags);
  const reading = readingLine(a.reading);
  if (reading) node.append(reading);
  if (a.chart_url || a.chart_spec) await chartBlock(a, (wrap) => node.insertBefore(wrap, tags));
  if (a.result && a.result.rows?.length && (a.result.rows.length > 1 || a.result.columns.length > 1)) {
    node.append(resultTable(a.result, a.currency));
  }
  if (method) {
    node.append(el("details", { class: "method" }, el("summary", {}, "How this was computed"), markdownBlock(method)));
  }
  if (a.sql) node.append(sqlBlock(a.sql));
}

function showProgress(node, steps) {
  node.replaceChildren(
    el(
      "div",
      { class: "progress", "aria-live": "polite" },
      el("span", { class: "spinner", "aria-hidden": "true" }),
      "Working…",
      el("ol", {}, ...steps.map((s) => el("li", {}, s))),
    ),
  );
}

async function streamAnswer(question, node) {
  const res = await fetch(`/session/${session}/query/stream`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query: question }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  }
  if (!res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) return null;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const steps = [];
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return null;
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = chunk.match(/^event: (.*)$/m)?.[1] ?? "message";
      const data = chunk.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (event === "step") {
        const s = JSON.parse(data);
        steps.push((STEP_TEXT[s.step] ?? (() => s.step))(s));
        showProgress(node, steps);
      } else if (event === "answer") return JSON.parse(data);
      else if (event === "error") {
        const e = JSON.parse(data);
        throw new ApiError(500, e.error?.message ?? "The answer failed.");
      }
    }
  }
}

async function ask(question) {
  question = question.trim();
  if (!question || busy) return;
  busy = true;
  await commitClear().catch(() => {});
  $("send").disabled = true;
  $("suggestions").replaceChildren();
  $("messages").querySelector(".welcome")?.remove();
  addUser(question);
  const node = addAssistant();
  showProgress(node, []);
  scrollDown();
  try {
    let answer = null;
    try {
      answer = await streamAnswer(question, node);
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) throw e;
    }
    // No stream (a proxy that buffers, a network hiccup): ask the plain endpoint.
    answer ??= await postJson(`/session/${session}/query`, { query: question });
    await renderAnswer(node, answer);
  } catch (e) {
    node.replaceChildren(el("p", { class: "error-text" }, e.message || "Something went wrong."));
  } finally {
    busy = false;
    $("send").disabled = false;
    countChars();
    scrollDown();
    loadMemory().catch(() => {});
    loadSessions().catch(() => {});
  }
}

// ---- clear chat (with undo), the sample ------------------------------------------------------

const UNDO_MS = 10_000;
/** A clear shown but not yet sent: the hidden messages, kept for an undo. */
let pendingClear = null;

/** Asks, hides the conversation and offers an undo; the history is deleted when the undo lapses. */
async function clearChat() {
  if (!$("messages").querySelector(".msg")) return;
  if (!confirm("Clear this conversation? Its questions, answers, charts and memory are deleted; the data stays.")) {
    return;
  }
  await commitClear();
  const nodes = [...$("messages").childNodes];
  $("messages").replaceChildren();
  renderSuggestions();
  const toast = $("toast");
  const undo = el("button", { type: "button", class: "secondary" }, "Undo");
  toast.replaceChildren(el("span", {}, "Conversation cleared."), undo);
  toast.hidden = false;
  const timer = setTimeout(() => commitClear().catch(showStatusError), UNDO_MS);
  pendingClear = { session, nodes, timer };
  undo.addEventListener("click", () => {
    clearTimeout(timer);
    pendingClear = null;
    toast.hidden = true;
    $("messages").replaceChildren(...nodes);
    $("suggestions").replaceChildren();
    $("question").focus();
  });
  undo.focus();
}

/** Sends a clear waiting for its undo (before a question, a switch, or when the undo lapses). */
async function commitClear() {
  const pending = pendingClear;
  if (!pending) return;
  pendingClear = null;
  clearTimeout(pending.timer);
  $("toast").hidden = true;
  await api(`/session/${pending.session}/history`, { method: "DELETE" });
  if (pending.session === session) await Promise.all([loadMemory(), loadSessions()]);
}

/** Makes the sample the current session's data (asking first when that deletes an upload). */
async function useSample() {
  if (dataset && !dataset.shared) {
    const ok = confirm(
      `Use the sample data in this session? ${dataset.name} is deleted from it; the conversation stays.`,
    );
    if (!ok) return;
  }
  const body = await postJson(`/session/${session}/use-sample`, {});
  $("upload-status").className = "status";
  $("upload-status").textContent = body.message;
  await dataChanged();
}

function showStatusError(e) {
  $("upload-status").className = "status error";
  $("upload-status").textContent = e.message || "Something went wrong.";
}

// ---- wiring -----------------------------------------------------------------------------------

/**
 * The character counter under the question box: shown from 80 % of the server's limit, red with
 * the excess once over it (Send is disabled then; the text is never cut). True when over.
 */
function countChars() {
  const q = $("question");
  const counter = $("ask-count");
  const max = Number(q.dataset.maxChars) || 2000;
  const n = q.value.length;
  const over = n > max;
  counter.hidden = n < max * 0.8;
  counter.classList.toggle("over", over);
  counter.textContent = over
    ? `${(n - max).toLocaleString("en-US")} characters over the limit of ${max.toLocaleString("en-US")}`
    : `${n.toLocaleString("en-US")} / ${max.toLocaleString("en-US")} characters`;
  $("send").disabled = over || busy;
  return over;
}

function wire() {
  const q = $("question");
  $("ask").addEventListener("submit", (e) => {
    e.preventDefault();
    // A question over the limit is kept as typed (never cut): the counter says by how much.
    if (countChars()) return;
    const text = q.value;
    q.value = "";
    q.style.height = "";
    countChars();
    ask(text);
  });
  q.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("ask").requestSubmit();
    }
  });
  q.addEventListener("input", () => {
    q.style.height = "";
    q.style.height = `${Math.min(q.scrollHeight, 160)}px`;
    countChars();
  });
  $("file").addEventListener("change", (e) => {
    const f = e.target.files?.[0];
    if (f) upload(f);
    e.target.value = "";
  });
  const drop = $("drop");
  for (const ev of ["dragenter", "dragover"]) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const ev of ["dragleave", "drop"]) drop.addEventListener(ev, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const f = e.dataTransfer?.files?.[0];
    if (f) upload(f);
  });
  $("use-sample").addEventListener("click", () => useSample().catch(showStatusError));
  $("new-session").addEventListener("click", () => createSession(true));
  $("clear-chat").addEventListener("click", () => clearChat().catch(showStatusError));
  // A clear still waiting for its undo is carried out when the page is left.
  addEventListener("pagehide", () => {
    if (pendingClear) {
      fetch(`/session/${pendingClear.session}/history`, { method: "DELETE", keepalive: true });
      pendingClear = null;
    }
  });
  const sidebar = (open) => {
    $("sidebar").classList.toggle("open", open);
    $("menu").setAttribute("aria-expanded", String(open));
    // On a phone the open drawer dims the conversation; a tap there closes it.
    $("backdrop").hidden = !open;
  };
  $("menu").addEventListener("click", () => sidebar(!$("sidebar").classList.contains("open")));
  $("close-sidebar").addEventListener("click", () => {
    sidebar(false);
    $("menu").focus();
  });
  $("backdrop").addEventListener("click", () => sidebar(false));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && $("sidebar").classList.contains("open")) {
      sidebar(false);
      $("menu").focus();
    }
  });
  // On a phone, choosing a session, starting one or clearing the chat closes the drawer.
  $("sidebar").addEventListener("click", (e) => {
    if (e.target.closest(".sessions button.link, #new-session, #use-sample, #clear-chat")) sidebar(false);
  });
}

async function start() {
  wire();
  const saved = localStorage.getItem(KEY);
  if (saved) {
    try {
      await switchTo(saved);
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
      forget(saved);
    }
  }
  await createSession(true);
}

// The Vega scripts are deferred; the module runs after them.
start().catch((e) => {
  $("messages").replaceChildren(el("p", { class: "error-text" }, `The page could not start: ${e.message}`));
});
