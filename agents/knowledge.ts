/**
 * The knowledge agent: a FinOps knowledge base (`data/knowledge/*.md`) split at `##` headings and
 * ranked with BM25 (MiniSearch's BM25+), answering definitions with the passages quoted and cited.
 *
 * @example
 * const kb = await KnowledgeBase.load();
 * kb.search("what is a savings plan?")[0].heading // → "Savings plans"
 * @module
 */
import MiniSearch from "minisearch";

/** One searchable section of an article. */
export interface Passage {
  id: number;
  /** File name under data/knowledge/. */
  file: string;
  /** The article's title (its `#` heading). */
  title: string;
  /** The section's `##` heading. */
  heading: string;
  text: string;
}

/** A ranked passage. */
export interface KnowledgeHit extends Passage {
  score: number;
  /** Share of the question's content words found in the passage (0–1). */
  coverage: number;
}

/** A source as cited in replies: `file § heading`. */
export interface KnowledgeSource {
  file: string;
  heading: string;
}

const STOP = new Set(
  ("a an and are as at be by can do does for from how i in is it its me my of on or our please show tell " +
    "that the their them there these this to us was we what whats when where which who why will with you your " +
    "explain define definition meaning mean means difference between about vs versus").split(" "),
);

/** Lower-cases, drops stop words and folds plurals ("plans" → "plan", "policies" → "policy"). */
export function normalizeTerm(term: string): string | null {
  const t = term.toLowerCase().replace(/['’]s$/, "");
  if (t.length < 2 || STOP.has(t)) return null;
  if (t.length > 4 && t.endsWith("ies")) return t.slice(0, -3) + "y";
  if (t.length > 3 && t.endsWith("s") && !t.endsWith("ss") && !t.endsWith("us")) return t.slice(0, -1);
  return t;
}

/** Splits a Markdown article into passages at its `##` headings. */
export function splitArticle(file: string, markdown: string, firstId = 0): Passage[] {
  const title = markdown.match(/^#\s+(.+)$/m)?.[1].trim() ?? file;
  const out: Passage[] = [];
  for (const part of markdown.split(/^##\s+/m).slice(1)) {
    const [head, ...body] = part.split("\n");
    const text = body.join("\n").trim().replace(/\s*\n\s*/g, " ");
    if (text) out.push({ id: firstId + out.length, file, title, heading: head.trim(), text });
  }
  return out;
}

/** The searchable knowledge base. */
export class KnowledgeBase {
  readonly passages: Passage[];
  #index: MiniSearch<Passage>;

  constructor(passages: Passage[]) {
    this.passages = passages;
    this.#index = new MiniSearch<Passage>({
      fields: ["heading", "title", "text"],
      storeFields: [],
      processTerm: (t) => normalizeTerm(t) ?? null,
      searchOptions: { boost: { heading: 3, title: 1.5 }, fuzzy: 0.15, prefix: (t) => t.length > 4 },
    });
    this.#index.addAll(passages);
  }

  /** Reads every article under `dir` (default: the bundled data/knowledge). */
  static async load(dir: URL = new URL("../data/knowledge/", import.meta.url)): Promise<KnowledgeBase> {
    const files: string[] = [];
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".md") && e.name !== "README.md") files.push(e.name);
    }
    const passages: Passage[] = [];
    for (const f of files.sort()) {
      passages.push(...splitArticle(f, await Deno.readTextFile(new URL(f, dir)), passages.length));
    }
    return new KnowledgeBase(passages);
  }

  /** Ranks passages for a question, best first. */
  search(question: string, limit = 3): KnowledgeHit[] {
    const words = new Set(
      question.split(/[^\p{L}\p{N}-]+/u).map((w) => normalizeTerm(w)).filter((w): w is string => !!w),
    );
    if (!words.size) return [];
    return this.#index.search(question).slice(0, limit).map((r) => {
      const p = this.passages[r.id as number];
      const matched = new Set(r.queryTerms.map((t) => normalizeTerm(t) ?? t));
      const coverage = [...words].filter((w) => matched.has(w)).length / words.size;
      return { ...p, score: r.score, coverage };
    });
  }
}

/** Whether a hit answers the question well enough to quote (most content words found). */
export function isRelevant(hit: KnowledgeHit | undefined): hit is KnowledgeHit {
  return !!hit && hit.coverage >= 0.5;
}

/** Cites a passage as `file § heading`. */
export function cite(p: KnowledgeSource): string {
  return `${p.file} § ${p.heading}`;
}

/**
 * The built-in knowledge answer: the best passage quoted, a second one when it ranks close,
 * each cited; or a plain "not in my knowledge base".
 */
export function answerFromKnowledge(
  question: string,
  kb: KnowledgeBase,
): { text: string; sources: KnowledgeSource[] } {
  const hits = kb.search(question, 3);
  const best = hits[0];
  if (!isRelevant(best)) {
    return {
      text: "That isn't covered by my FinOps knowledge base, so I won't guess. It covers FOCUS columns, cost " +
        "bases (billed, amortized, list), commitments (reservations, savings plans, CUDs), allocation and " +
        "tagging, unit economics, optimization, anomalies and the FinOps framework.",
      sources: [],
    };
  }
  const chosen = [best, ...hits.slice(1).filter((h) => isRelevant(h) && h.score >= best.score * 0.6).slice(0, 1)];
  const text = chosen.map((h) => `**${h.heading}** (${h.title})\n\n> ${h.text}`).join("\n\n") +
    `\n\nSources: ${chosen.map((h) => `\`${cite(h)}\``).join("; ")}`;
  return { text, sources: chosen.map(({ file, heading }) => ({ file, heading })) };
}
