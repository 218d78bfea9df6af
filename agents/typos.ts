/**
 * Typo tolerance: words of a question that are not in the planner's vocabulary are replaced by
 * the vocabulary word within one edit (two for long words), so "sevices by regoin" reads as
 * "services by region".
 *
 * Distance: optimal string alignment (Damerau–Levenshtein with adjacent transpositions),
 * see https://en.wikipedia.org/wiki/Damerau%E2%80%93Levenshtein_distance
 * @module
 */

/**
 * Optimal string alignment distance between two strings, stopping early above `max`.
 *
 * @example
 * osaDistance("regoin", "region") // → 1
 * osaDistance("sevices", "services") // → 1
 */
export function osaDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let rowMin = Infinity;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
  }
  return d[a.length][b.length];
}

/** Words the planner itself understands, before the dataset's own words are added. */
export const PLANNER_WORDS = (
  "cost costs spend spent spending total billed amortized amortised effective list price prices invoice " +
  "service services region regions account accounts subscription subscriptions project projects resource resources " +
  "category categories provider providers usage quantity tag tags label labels team " +
  "top bottom largest biggest highest lowest cheapest expensive most least show give compare versus between since " +
  "daily weekly monthly quarterly yearly annual trend trends over time month months week weeks quarter quarters year years " +
  "day days last this previous current today yesterday change changed increase decrease growth difference share " +
  "percentage distribution breakdown break down excluding exclude without except only instead same about " +
  "january february march april june july august september october november december " +
  "average mean number count line items rows charge charges tax taxes credit credits purchase purchases refund refunds " +
  "what which where when how much many chart plot graph forecast anomaly anomalies spike " +
  // Common English words, so that they are never "corrected" into planner words.
  "that than then them they there these those this with within from into onto only also again same such " +
  "about above after before below under while were have has had does done make made want need show tell " +
  "please thanks thank hello could would should will shall your ours their just like look give take some " +
  "more less very each every other another both either neither next last first second third where here " +
  "also even ever never always often down back away over again once ever still well much many more most " +
  "data dataset file columns column describe explain help know does spend spent send sent pay paid paying " +
  "instead again anything everything nothing something why did cause caused drove drive " +
  "date dates period periods through until versus against from"
).split(" ");

/** Replaces out-of-vocabulary words by their nearest vocabulary word, when near enough. */
export function correctTypos(text: string, vocabulary: Set<string>): string {
  return text.replace(/[a-z]{4,}/g, (w) => {
    if (vocabulary.has(w)) return w;
    const max = w.length >= 8 ? 2 : 1;
    let best: string | null = null;
    let bestD = max + 1;
    for (const v of vocabulary) {
      if (Math.abs(v.length - w.length) > max || v.length < 4) continue;
      const d = osaDistance(w, v, max);
      if (d < bestD) {
        best = v;
        bestD = d;
        if (d === 1) break;
      }
    }
    return best ?? w;
  });
}
