/**
 * Sessions in Deno KV: create, read (with expiry), list, touch, attach a dataset, delete.
 * @module
 */
import { NotFoundError } from "../errors.ts";
import { deletePrefix } from "./blobs.ts";
import { deleteSessionBudgets } from "./budgets.ts";
import { deleteSessionCharts } from "./charts.ts";
import { keys } from "./keys.ts";

/** The stored session record. */
export interface SessionRecord {
  id: string;
  owner: string;
  createdAt: string;
  lastActivity: string;
  datasetId: string | null;
  /** Number of messages stored (the next message's sequence number). */
  messageCount: number;
}

/** Options shared by session operations. */
export interface SessionStoreOptions {
  /** Sessions idle longer than this are expired. */
  maxAgeDays: number;
  /** Clock, injectable for tests. */
  now?: () => Date;
}

/** Session storage over a KV handle. */
export class SessionStore {
  readonly kv: Deno.Kv;
  readonly opts: SessionStoreOptions;
  constructor(kv: Deno.Kv, opts: SessionStoreOptions) {
    this.kv = kv;
    this.opts = opts;
  }

  #now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Whether a session has been idle past the maximum age. */
  isExpired(s: SessionRecord): boolean {
    return this.#now().getTime() - Date.parse(s.lastActivity) > this.opts.maxAgeDays * 86_400_000;
  }

  /** Creates a session with an unguessable id, optionally bound to a dataset. */
  async create(owner: string, datasetId: string | null = null): Promise<SessionRecord> {
    const now = this.#now().toISOString();
    const s: SessionRecord = {
      id: crypto.randomUUID(),
      owner,
      createdAt: now,
      lastActivity: now,
      datasetId,
      messageCount: 0,
    };
    const res = await this.kv.atomic()
      .check({ key: keys.session(s.id), versionstamp: null })
      .set(keys.session(s.id), s)
      .set(keys.sessionByOwner(owner, s.id), true)
      .commit();
    if (!res.ok) throw new Error("session id collision");
    return s;
  }

  /**
   * Reads a session the caller owns, or throws 404. An expired session is reported as not
   * found (it is removed by the sweeper).
   */
  async get(id: string, owner?: string): Promise<Deno.KvEntry<SessionRecord>> {
    const e = await this.kv.get<SessionRecord>(keys.session(id));
    if (
      e.value === null || (owner !== undefined && e.value.owner !== owner) || this.isExpired(e.value)
    ) {
      throw new NotFoundError(`Session '${id}' not found`);
    }
    return e as Deno.KvEntry<SessionRecord>;
  }

  /** Lists sessions (all, or one owner's), most recently active first. */
  async list(owner?: string): Promise<SessionRecord[]> {
    const out: SessionRecord[] = [];
    if (owner === undefined) {
      for await (const e of this.kv.list<SessionRecord>({ prefix: keys.sessionsPrefix() })) {
        if (!this.isExpired(e.value)) out.push(e.value);
      }
    } else {
      const ids: string[] = [];
      for await (const e of this.kv.list({ prefix: keys.sessionsByOwnerPrefix(owner) })) {
        ids.push(String(e.key[2]));
      }
      for (let i = 0; i < ids.length; i += 10) {
        const got = await this.kv.getMany<SessionRecord[]>(ids.slice(i, i + 10).map((id) => keys.session(id)));
        for (const e of got) if (e.value && !this.isExpired(e.value)) out.push(e.value);
      }
    }
    return out.sort((a, b) => b.lastActivity.localeCompare(a.lastActivity));
  }

  /** Counts live sessions. */
  async count(): Promise<number> {
    return (await this.list()).length;
  }

  /**
   * Clears a session's conversation and entity memory, keeping the session and its dataset.
   * Messages go first; the count is reset last, so a crash in between only loses history.
   */
  async clearHistory(id: string): Promise<void> {
    await deletePrefix(this.kv, ["msg", id]);
    await deleteSessionCharts(this.kv, id);
    for (let attempt = 0; attempt < 20; attempt++) {
      const e = await this.kv.get<SessionRecord>(keys.session(id));
      if (!e.value) return;
      const res = await this.kv.atomic().check(e)
        .set(keys.session(id), { ...e.value, messageCount: 0, lastActivity: this.#now().toISOString() })
        .delete(keys.entities(id))
        .commit();
      if (res.ok) return;
    }
    throw new Error("could not clear history: too many concurrent writes");
  }

  /** Deletes a session and everything it owns except shared datasets (caller removes datasets). */
  async delete(s: SessionRecord): Promise<void> {
    // Messages first, the record last: a crash in between leaves a session with less history,
    // never messages without a session that the sweeper could not find.
    await deletePrefix(this.kv, ["msg", s.id]);
    await deleteSessionCharts(this.kv, s.id);
    await deletePrefix(this.kv, keys.dismissedPrefix(s.id));
    await deleteSessionBudgets(this.kv, s.id);
    await this.kv.atomic()
      .delete(keys.entities(s.id))
      .delete(keys.llmUsage(s.id))
      .delete(keys.sessionByOwner(s.owner, s.id))
      .delete(keys.session(s.id))
      .commit();
  }
}
