/**
 * The knowledge base: articles split at their headings, ranked with BM25, answered with
 * citations, and honest about what they do not cover.
 */
import assert from "node:assert/strict";
import { answerFromKnowledge, KnowledgeBase, normalizeTerm, splitArticle } from "../../agents/knowledge.ts";

const kb = await KnowledgeBase.load();

Deno.test("knowledge: articles split into cited passages at ## headings", () => {
  const p = splitArticle("x.md", "# Title\n\nintro\n\n## One\nfirst\nline\n\n## Two\nsecond\n## Empty\n");
  assert.deepEqual(p.map((x) => [x.heading, x.text, x.title]), [["One", "first line", "Title"], [
    "Two",
    "second",
    "Title",
  ]]);
  assert.ok(kb.passages.length >= 40, `${kb.passages.length} passages`);
  assert.ok(kb.passages.every((x) => x.text.length > 80), "no empty or stub sections");
});

Deno.test("knowledge: terms fold plurals and drop question words", () => {
  assert.equal(normalizeTerm("Plans"), "plan");
  assert.equal(normalizeTerm("policies"), "policy");
  assert.equal(normalizeTerm("what"), null);
  assert.equal(normalizeTerm("class"), "class");
});

const EXPECTED: [string, string][] = [
  ["what is a savings plan?", "Savings plans"],
  ["what's the difference between amortized and billed cost?", "Billed cost versus amortized cost"],
  ["what is EffectiveCost", "EffectiveCost"],
  ["explain showback vs chargeback", "Showback and chargeback"],
  ["what are the FinOps phases?", "The phases: Inform, Optimize, Operate"],
  ["what is a CUD", "Committed use discounts (Google Cloud)"],
  ["define unit economics", "What unit economics means in FinOps"],
  ["what is rightsizing", "Rightsizing"],
  ["how do reserved instances work", "Reserved instances and reservations"],
  ["what is FOCUS", "What FOCUS is"],
  ["what is blended cost", "Blended and unblended cost in AWS"],
  ["tell me about spot instances", "Spot and preemptible capacity"],
];

for (const [question, heading] of EXPECTED) {
  Deno.test(`knowledge: "${question}" ranks "${heading}" first`, () => {
    assert.equal(kb.search(question, 3)[0]?.heading, heading);
  });
}

Deno.test("knowledge: answers quote the passage and cite file § heading", () => {
  const a = answerFromKnowledge("what is a savings plan?", kb);
  assert.deepEqual(a.sources[0], { file: "commitments.md", heading: "Savings plans" });
  assert.match(a.text, /^\*\*Savings plans\*\*/);
  assert.match(a.text, /\n> /);
  assert.match(a.text, /Sources: `commitments\.md § Savings plans`/);
});

Deno.test("knowledge: topics it does not cover are said plainly, without sources", () => {
  for (const q of ["what is kubernetes autoscaling?", "explain quantum tunnelling", "???"]) {
    const a = answerFromKnowledge(q, kb);
    assert.deepEqual(a.sources, [], q);
    assert.match(a.text, /isn't covered/);
  }
});
