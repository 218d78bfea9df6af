/**
 * The chat page: one session per conversation (its id kept in localStorage), answers streamed
 * from `POST /session/{id}/query/stream` with a fallback to the plain endpoint, charts drawn with
 * vega-embed (the PNG when that fails), tables sortable, SQL one click from the clipboard.
 * Everything from the server is inserted as text or through the escaping Markdown renderer.
 */
import { renderMarkdown } from "./markdown.js";

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
  rows: (s) => `${s.rows} row${s.rows === 1 ? "" : "s"} returned`,
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
  session = id;
  remember(id);
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
    const label = `${s.dataset_name ?? "no data"} · ${turns} ${turns === 1 ? "turn" : "turns"}`;
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
    ["Dates", dr ? `${dr.start} → ${dr.end}` : "none"],
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
    await Promise.all([loadDataset(), loadSessions()]);
    renderSuggestions();
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
  for (const m of h.history) {
    if (m.role === "user") addUser(m.content);
    else renderAnswer(addAssistant(), { ...m.metadata, response: m.content });
  }
  renderSuggestions();
  scrollDown();
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

function fmtCell(v, money, currency) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") {
    if (money) {
      try {
        return v.toLocaleString(undefined, { style: "currency", currency: currency || "USD" });
      } catch { /* unknown currency code */ }
    }
    return v.toLocaleString(undefined, { maximumFractionDigits: 4 });
  }
  return String(v);
}

function resultTable(result, currency) {
  const cols = result.columns;
  const numeric = cols.map((_, i) => result.rows.some((r) => typeof r[i] === "number"));
  const money = cols.map((c, i) => numeric[i] && /cost|spend|amount|price|charge|forecast|lower|upper/i.test(c.name));
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
      title: "Sort",
      onclick: () => sortBy(i),
      onkeydown: (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sortBy(i);
        }
      },
    }, c.name)
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
    draw();
  }
  const more = el("button", { type: "button", class: "secondary" });
  more.addEventListener("click", () => {
    all = !all;
    draw();
  });
  function draw() {
    tbody.replaceChildren(
      ...(all ? rows : rows.slice(0, ROWS_SHOWN)).map((r) =>
        el("tr", {}, ...r.map((v, i) => el("td", { class: numeric[i] ? "num" : "" }, fmtCell(v, money[i], currency))))
      ),
    );
    more.hidden = rows.length <= ROWS_SHOWN;
    more.textContent = all ? `Show first ${ROWS_SHOWN}` : `Show all ${rows.length} rows`;
  }
  table.append(el("thead", {}, el("tr", {}, ...heads)), tbody);
  wrap.append(table);
  draw();
  return el(
    "details",
    { class: "result" },
    el("summary", {}, `Result: ${rows.length} row${rows.length === 1 ? "" : "s"}`),
    wrap,
    el("div", { class: "sql-actions" }, more),
  );
}

function sqlBlock(sql) {
  const copy = el("button", { type: "button", class: "secondary" }, "Copy SQL");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(sql);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy the text above";
    }
    setTimeout(() => (copy.textContent = "Copy SQL"), 2000);
  });
  return el(
    "details",
    { class: "sql" },
    el("summary", {}, "SQL that produced these numbers"),
    // Scrollable: reachable by keyboard (axe "scrollable-region-focusable").
    el("pre", { tabindex: "0", "aria-label": "SQL" }, el("code", {}, sql)),
    el("div", { class: "sql-actions" }, copy),
  );
}

async function chartBlock(a) {
  const box = el("div", { class: "chart", tabindex: "0", role: "figure", "aria-label": "Chart" });
  const png = a.chart_url
    ? el("img", { src: a.chart_url, alt: `Chart: ${a.chart_spec?.title?.text ?? a.chart_type ?? "answer"}` })
    : null;
  const actions = a.chart_url
    ? el(
      "div",
      { class: "chart-actions" },
      el("a", { href: a.chart_url, download: "finops-chart.png" }, "Download PNG"),
    )
    : null;
  const wrap = el("div", {}, box, actions);
  if (a.chart_spec && globalThis.vegaEmbed) {
    try {
      interpreter ??= (await import("/vendor/vega-interpreter.js")).expressionInterpreter;
      await globalThis.vegaEmbed(box, a.chart_spec, { actions: false, ast: true, expr: interpreter, renderer: "svg" });
      box.setAttribute("data-rendered", "vega");
      return wrap;
    } catch (e) {
      console.warn("interactive chart failed, showing the PNG", e);
      box.replaceChildren();
    }
  }
  if (png) {
    box.append(png);
    box.setAttribute("data-rendered", "png");
  }
  return png || box.children.length ? wrap : null;
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

async function renderAnswer(node, a) {
  node.replaceChildren();
  const body = el("div", { class: "md" });
  body.innerHTML = renderMarkdown(a.response); // escaped by renderMarkdown
  node.append(body);
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
  if (a.chart_url || a.chart_spec) {
    const chart = await chartBlock(a);
    if (chart) node.insertBefore(chart, tags);
  }
  if (a.result && a.result.rows?.length && (a.result.rows.length > 1 || a.result.columns.length > 1)) {
    node.append(resultTable(a.result, a.currency));
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
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      $("file").click();
    }
  });
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
  $("use-sample").addEventListener("click", () => createSession(true));
  $("new-session").addEventListener("click", () => createSession(true));
  $("clear-chat").addEventListener("click", async () => {
    await api(`/session/${session}/history`, { method: "DELETE" });
    $("messages").replaceChildren();
    renderSuggestions();
    await loadMemory();
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
  // On a phone, choosing a session or starting one closes the drawer.
  $("sidebar").addEventListener("click", (e) => {
    if (e.target.closest(".sessions button.link, #new-session, #use-sample")) sidebar(false);
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
