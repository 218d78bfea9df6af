/**
 * Splitting a question with several parts ("a breakdown by service, how much did it grow,
 * which region drove it, anything odd?") into parts answered one by one. Sentences split at
 * `?`, `;`, `.` and line ends; inside a sentence a new part starts at a comma (or ", and")
 * followed by a question word, or at "and" followed by a wh-word, so "by service, region and
 * account" stays one part.
 *
 * @example
 * splitParts("cost by service, which region drove it, anything odd?")
 * // → ["cost by service", "which region drove it", "anything odd?"]
 * @module
 */

// A bare "and" starts a part only before a wh-word ("total cost in May and what about S3?"):
// "cost by service and region", "compare april and may" stay whole.
const PART_START =
  /,\s*(?:and\s+|also\s+|then\s+|plus\s+)?(?=(?:how|which|what|why|where|when|who|is|are|was|were|did|do|does|can|could|should|would|will|any|anything|anomal|forecast|predict|suggest|recommend|give|show|list|tell|compare|explain)\b)|\s+and\s+(?=(?:how|which|what|why|where|when|who)\b)/i;

/** Most parts answered for one question; more are named as not answered. */
export const MAX_PARTS = 5;

/** The parts of a question, in order (one part when it has only one). */
export function splitParts(question: string): string[] {
  const sentences = question.split(/(?<=[?;!])\s+|(?<=\.)\s+(?=[A-Z])|\n+/).map((s) => s.trim()).filter(Boolean);
  const parts: string[] = [];
  for (const sentence of sentences) {
    for (const piece of sentence.split(new RegExp(PART_START.source, "gi"))) {
      const p = piece.replace(/^[,;\s]+|[,;\s]+$/g, "").trim();
      if (p.replace(/[^a-z0-9]/gi, "").length >= 3) parts.push(p);
    }
  }
  return parts.length ? parts : [question.trim()];
}
