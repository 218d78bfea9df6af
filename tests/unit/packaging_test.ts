/**
 * The Docker files are not built here (no Docker engine): these checks keep them in step with
 * the code they package — the Deno version CI uses, a task that exists, the KV folder as volume.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../config.ts";

const ROOT = new URL("../../", import.meta.url);
const read = (p: string) => Deno.readTextFileSync(new URL(p, ROOT));

Deno.test("packaging: the Dockerfile uses CI's Deno, runs an existing task, and keeps KV on a volume", () => {
  const docker = read("Dockerfile");
  const ciVersion = read(".ci/run").match(/^DENO_VERSION=(\S+)$/m)?.[1];
  assert.ok(ciVersion);
  assert.equal(docker.match(/^FROM denoland\/deno:(\S+)$/m)?.[1], ciVersion);
  const tasks = JSON.parse(read("deno.json")).tasks;
  const cmd = JSON.parse(docker.match(/^CMD (\[.*\])$/m)![1]);
  assert.equal(cmd[0], "task");
  assert.ok(tasks[cmd[1]], `task ${cmd[1]} exists`);
  const workdir = docker.match(/^WORKDIR (\S+)$/m)![1];
  const kvDir = loadConfig(() => undefined).kvPath!.replace(/^\.\//, "").replace(/\/[^/]+$/, "");
  assert.match(docker, new RegExp(`^VOLUME \\["${workdir}/${kvDir}"\\]$`, "m"));
  assert.match(docker, /^ENV HOST=0\.0\.0\.0/m, "reachable from outside the container");
  assert.match(tasks.start, /--allow-net=[^ ]*0\.0\.0\.0/, "and the start task may listen there");

  const compose = read("compose.yaml");
  assert.match(compose, new RegExp(`- finops-data:${workdir}/${kvDir}$`, "m"));
  const ignored = read(".dockerignore").split("\n");
  for (const p of ["node_modules", ".data", ".git"]) assert.ok(ignored.includes(p), `${p} stays out of the image`);
});
