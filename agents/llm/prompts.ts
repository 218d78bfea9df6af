/**
 * Prompt texts from `prompts/*.md`, read once per process; each carries its version in its
 * first line, which is recorded with every LLM turn.
 * @module
 */

/** A loaded prompt. */
export interface Prompt {
  name: string;
  /** `name@version`, from the file's header comment. */
  version: string;
  text: string;
}

const cache = new Map<string, Promise<Prompt>>();

/** Loads `prompts/<name>.md` (cached). */
export function loadPrompt(name: "planner" | "knowledge" | "repair"): Promise<Prompt> {
  let p = cache.get(name);
  if (!p) {
    p = Deno.readTextFile(new URL(`../../prompts/${name}.md`, import.meta.url)).then((raw) => {
      const version = raw.match(/^<!--\s*prompt:\s*[\w-]+\s*·\s*version\s+(\S+)/)?.[1] ?? "0";
      return { name, version: `${name}@${version}`, text: raw.replace(/^<!--[\s\S]*?-->\s*/, "") };
    });
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

/**
 * Fills `{{name}}` placeholders; an unknown placeholder is an error (a prompt and its code
 * changed apart).
 *
 * @example
 * fill("Hello {{who}}", { who: "FinOps" }) // → "Hello FinOps"
 */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`prompt placeholder {{${k}}} has no value`);
    return String(values[k]);
  });
}
