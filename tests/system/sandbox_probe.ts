/**
 * Run by the sandbox test with exactly the start task's permissions: tries what the app must
 * never be able to do and prints one JSON line of outcomes (the error class of each attempt).
 * @module
 */
async function attempt(f: () => unknown): Promise<string> {
  try {
    await f();
    return "allowed";
  } catch (e) {
    return (e as Error).name;
  }
}

const out = {
  read_etc_passwd: await attempt(() => Deno.readTextFile("/etc/passwd")),
  read_home: await attempt(() => Deno.readDir(Deno.env.get("HOME") ?? "/root")),
  read_source: await attempt(() => Deno.readTextFile("./main.ts")),
  write_outside_data: await attempt(() => Deno.writeTextFile("./pwned.txt", "x")),
  spawn: await attempt(() => new Deno.Command("sh", { args: ["-c", "true"] }).output()),
  net_other_host: await attempt(() => fetch("http://example.com/")),
  net_other_port: await attempt(() => Deno.connect({ hostname: "10.0.0.1", port: 22 })),
  env_other: await attempt(() => Deno.env.get("PATH")),
  ffi: await attempt(() => Deno.dlopen("libc.so.6", {})),
  read_data: await attempt(() => Deno.readTextFile("./data/knowledge/README.md")),
  listen_loopback: await attempt(() => Deno.listen({ hostname: "127.0.0.1", port: 0 }).close()),
};
console.log(JSON.stringify(out));
