/**
 * Starts the real server as a child process with exactly the permission set of `deno task
 * start` (read from deno.json), on a free loopback port and its own KV file.
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** A running server process. */
export interface ServerProcess {
  url: string;
  child: Deno.ChildProcess;
  output: () => string;
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** The arguments of the `start` task after `deno`. */
export function startTaskArgs(): string[] {
  const cfg = JSON.parse(Deno.readTextFileSync(ROOT + "deno.json"));
  const parts = String(cfg.tasks.start).trim().split(/\s+/);
  if (parts[0] !== "deno") throw new Error("start task must begin with deno");
  return parts.slice(1);
}

/** Environment lifting the rate limits, for load tests that hammer from one address on purpose. */
export const NO_RATE_LIMITS: Record<string, string> = {
  RATE_LIMIT_SESSIONS_PER_MIN: "1000000",
  RATE_LIMIT_UPLOADS_PER_MIN: "1000000",
  RATE_LIMIT_QUERIES_PER_MIN: "1000000",
};

/** Finds a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Starts the server and waits until it listens. */
export async function startServer(env: Record<string, string>, args = startTaskArgs()): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { ...env, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c);
  };
  void pump(child.stdout);
  void pump(child.stderr);
  const deadline = Date.now() + 60_000;
  while (!out.includes('"msg":"listening"')) {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      return await child.status;
    },
  };
}

/** A KV path under the app's writable `.data/` folder, removed by `cleanup`. */
export function tempKvPath(): { path: string; cleanup: () => void } {
  Deno.mkdirSync(ROOT + ".data", { recursive: true });
  const path = `./.data/test-${crypto.randomUUID()}.kv`;
  return {
    path,
    cleanup: () => {
      for (const suffix of ["", "-shm", "-wal"]) {
        try {
          Deno.removeSync(ROOT + path.slice(2) + suffix);
        } catch { /* not there */ }
      }
    },
  };
}
