import assert from "node:assert/strict";
import { describeStore, isFilePath, openStore } from "../../memory/store.ts";

Deno.test("store: locations are told apart; URLs lose their query in logs", () => {
  assert.equal(isFilePath("./.data/finops.kv"), true);
  assert.equal(isFilePath(":memory:"), false);
  assert.equal(isFilePath("https://api.deno.com/databases/x/connect"), false);
  assert.equal(isFilePath(null), false);
  assert.equal(describeStore("https://kv.example/db?token=secret"), "https://kv.example/db");
  assert.equal(describeStore(null), "default (runtime database)");
});

Deno.test("store: a file location gets its folder created; :memory: touches no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const kv = await openStore(`${dir}/nested/deeper/finops.kv`);
    await kv.set(["x"], 1);
    kv.close();
    assert.ok((await Deno.stat(`${dir}/nested/deeper/finops.kv`)).isFile);
    const mem = await openStore(":memory:");
    assert.equal((await mem.get(["x"])).value, null);
    mem.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
