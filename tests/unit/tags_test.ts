import assert from "node:assert/strict";
import { groupTagKeys, normaliseTagKey, reEscape, tagColumns, tagValueExpr } from "../../analytics/tags.ts";

Deno.test("normaliseTagKey folds case, spaces and the AWS user: prefix", () => {
  assert.equal(normaliseTagKey(" Team "), "team");
  assert.equal(normaliseTagKey("user:CostCenter"), "costcenter");
  assert.equal(normaliseTagKey("user_ env"), "env");
});

Deno.test("tagColumns finds CUR legacy, Athena and OCI tag columns and drops DuckDB's dedup suffix", () => {
  const cols = [
    "resourceTags/user:team",
    "resource_tags_user_env",
    "resource_tags_user_team",
    "resource_tags_user_Team_1",
    "tags/Oracle-Tags.CreatedBy",
    "cost",
  ]
    .map((name) => ({ name, type: "VARCHAR" }));
  assert.deepEqual(tagColumns(cols).map((t) => t.key), ["team", "env", "team", "Team", "Oracle-Tags.CreatedBy"]);
});

Deno.test("groupTagKeys merges spellings and orders by use", () => {
  assert.deepEqual(groupTagKeys([{ k: "env", n: 3 }, { k: "Team", n: 2 }, { k: " team", n: 2 }, { k: "", n: 9 }]), [
    { key: "team", variants: ["Team", " team"], rows: 4 },
    { key: "env", variants: ["env"], rows: 3 },
  ]);
});

Deno.test("tagValueExpr escapes regex and SQL specials in keys", () => {
  assert.equal(reEscape("cost.center(1)"), "cost\\.center\\(1\\)");
  const e = tagValueExpr("o'brien.x");
  assert.match(e, /o''brien\\\.x/);
  assert.match(e, /^NULLIF\(regexp_extract\("Tags", '\(\?i\)/);
});
