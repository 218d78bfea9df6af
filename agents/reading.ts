/**
 * The planner's last stage: accounting for every word. A question is fully read when each of
 * its content words (everything outside {@link FUNCTION_WORDS}) was used by some part of the
 * plan; the others are reported back, never silently dropped.
 *
 * @example
 * unusedWords("cost by region for the marketing launch", ["by region"]) // → ["marketing", "launch"]
 * @module
 */
import { FUNCTION_WORDS } from "./lexicon.ts";
import type { Reading, ReadingPart } from "./types.ts";

/** The content words of a (normalised) question, in order, without repeats. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\s+/)) {
    const w = raw.replace(/^[.\-/]+|[.\-/?!]+$/g, "");
    if (!w || FUNCTION_WORDS.has(w) || /^[^a-z0-9$]+$/.test(w)) continue;
    if (!out.includes(w)) out.push(w);
  }
  return out;
}

/** Content words of `text` that no used span covers. */
export function unusedWords(text: string, used: readonly string[]): string[] {
  const covered = new Set<string>();
  for (const span of used) {
    for (const w of (span ?? "").toLowerCase().split(/[\s,]+/)) if (w) covered.add(stem(w));
  }
  return contentWords(text).filter((w) => !covered.has(stem(w)));
}

function stem(w: string): string {
  return w.replace(/[.?!,]+$/, "").replace(/(?<=[a-z]{3})(?:ies|es|s)$/, "");
}

/** The reading of a question: its parts in plain words, one line, and the unused words. */
export function makeReading(parts: ReadingPart[], unused: string[]): Reading {
  const text = parts.map((p) => p.part).join("; ");
  return { text, parts, unused };
}

/** The sentence an answer leads with when words were not used. */
export function unusedNote(unused: readonly string[]): string {
  const list = unused.map((w) => `'${w}'`).join(", ");
  return `I did not use ${list} from your question: the figures below do not take ${
    unused.length > 1 ? "them" : "it"
  } into account.`;
}
