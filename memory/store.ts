/**
 * Opens the app's Deno KV store from the configured location, in one place for the server and
 * the cleanup task.
 *
 * ```ts
 * const kv = await openStore("./.data/finops.kv"); // a file (its folder is created)
 * const kv2 = await openStore(null); // the runtime's own database (Deno Deploy's KV)
 * ```
 * @module
 */

const isUrl = (location: string) => /^https?:\/\//i.test(location);

/** True for a location that is a file on this machine (not memory, a URL or the default). */
export function isFilePath(location: string | null): location is string {
  return location !== null && location !== ":memory:" && !isUrl(location);
}

/** Opens KV at `location`: a file path, `:memory:`, a KV Connect URL, or `null` for the default. */
export async function openStore(location: string | null): Promise<Deno.Kv> {
  if (isFilePath(location)) {
    const dir = location.replace(/[\\/][^\\/]*$/, "");
    if (dir && dir !== location) await Deno.mkdir(dir, { recursive: true });
  }
  return await Deno.openKv(location ?? undefined);
}

/** How a location is shown in logs: a KV Connect URL without its query, the default named. */
export function describeStore(location: string | null): string {
  if (location === null) return "default (runtime database)";
  return isUrl(location) ? location.replace(/[?#].*$/, "") : location;
}

/**
 * The one line printed when startup needs a permission the start task does not grant: for a
 * KV path outside `./.data`, which folder the task may write and how to change it.
 */
export function startupPermissionMessage(location: string | null, e: Error): string {
  if (isFilePath(location) && !/^(\.\/)?\.data\//.test(location)) {
    const dir = location.replace(/[\\/][^\\/]*$/, "") || location;
    return `Cannot open the database at ${location}: \`deno task start\` may write only ./.data. Set FINOPS_KV_PATH ` +
      `to a path under ./.data, or run main.ts with --allow-read=${dir} --allow-write=${dir} added to the start task's ` +
      "flags (docs/DEPLOYMENT.md).";
  }
  return `Startup needs a permission the start task does not grant: ${e.message.split("\n")[0]}`;
}
