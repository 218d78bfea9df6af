import assert from "node:assert/strict";
import { correctTypos, osaDistance, PLANNER_WORDS } from "../../agents/typos.ts";
import { transcriptMarkdown } from "../../agents/transcript.ts";

Deno.test("osaDistance: substitutions, insertions, deletions, transpositions", () => {
  assert.equal(osaDistance("region", "region"), 0);
  assert.equal(osaDistance("regoin", "region"), 1);
  assert.equal(osaDistance("sevices", "services"), 1);
  assert.equal(osaDistance("servicess", "services"), 1);
  assert.equal(osaDistance("cost", "post"), 1);
  assert.equal(osaDistance("abc", "xyz"), 3);
  assert.equal(osaDistance("abcdef", "a", 2), 3, "stops early past max");
});

Deno.test("correctTypos fixes near misses and leaves real words alone", () => {
  const v = new Set(PLANNER_WORDS);
  assert.match(correctTypos("top 5 servics by regoin", v), /^top 5 services? by region$/);
  assert.equal(correctTypos("totl cost montly", v), "total cost monthly");
  assert.equal(correctTypos("break that down by account", v), "break that down by account");
  assert.equal(correctTypos("cost year to date", v), "cost year to date");
  assert.equal(correctTypos("xylophone", v), "xylophone");
});

Deno.test("transcriptMarkdown: questions, answers, SQL and result tables, pipes escaped", () => {
  const md = transcriptMarkdown("s1", { name: "x.csv", schema: "focus-1.0", rows: 3, date_range: null }, [
    { role: "user", content: "top services", timestamp: "t1", metadata: {} },
    {
      role: "assistant",
      content: "1. A|B: $3",
      timestamp: "t2",
      metadata: {
        sql: "SELECT 1",
        result: { columns: [{ name: "ServiceName" }, { name: "cost" }], rows: [["A|B", 3]] },
      },
    },
  ]);
  assert.match(md, /# FinOps Agent conversation/);
  assert.match(md, /Data now: x\.csv \(focus-1\.0, 3 rows\)/);
  assert.match(md, /\*\*You\*\* \(t1\):\n\ntop services/);
  assert.match(md, /```sql\nSELECT 1\n```/);
  // Plain-word headers; a cost column formatted as money (no currency stated: no symbol), right-aligned.
  assert.match(md, /\| Service \| Cost \|\n\|---\|---:\|\n\| A\\\|B \| 3\.00 \|/);
});
