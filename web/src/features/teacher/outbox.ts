import type { SaveLessonSheetInput, SheetFieldsFragment } from "../../gql/graphql";
import type { ApiError } from "../../lib/errors";
import type { SheetFields } from "./sheetForm";

/**
 * Sheets saved on this phone but not yet on the server (R-WEB-4): kept in localStorage per teacher and lesson until
 * the API confirms them, sent again when the network is back and on the next open.
 *
 * Every send carries the revision the form was loaded at (`expectedRevision`) and an idempotency key, so:
 * - a save whose answer was lost and that is sent again changes nothing (same key, same sheet: the API replays);
 * - a sheet somebody else changed meanwhile is not overwritten: the API answers STALE_REVISION and the entry becomes
 *   a conflict the teacher resolves (keep theirs, or save these marks over it);
 * - the teacher's own earlier send that did land (its answer lost, then the marks edited again) is no conflict:
 *   that send is retried with its own key; if it replays and the sheet is exactly one revision on, the new marks
 *   go on top of it.
 */

export type EntryState = "pending" | "conflict" | "rejected";

export interface Attempt {
  input: SaveLessonSheetInput;
}

export interface OutboxEntry {
  lessonId: string;
  /** What goes to saveLessonSheet: the fields, expectedRevision = baseRevision, and this version's key. */
  input: SaveLessonSheetInput;
  baseRevision: number;
  /** Earlier versions sent from the same base whose answer never came: one of them may have been saved. */
  attempts: Attempt[];
  state: EntryState;
  error: ApiError | null;
  /** When the teacher pressed Save (ISO). */
  keptAt: string;
}

export type SendResult =
  | { kind: "saved"; sheet: SheetFieldsFragment }
  | { kind: "errors"; errors: readonly ApiError[] }
  | { kind: "unreachable" };

export type Transport = (input: SaveLessonSheetInput) => Promise<SendResult>;

export type Outcome =
  | { kind: "saved"; sheet: SheetFieldsFragment }
  | { kind: "queued" }
  | { kind: "conflict" | "rejected"; entry: OutboxEntry }
  | { kind: "nothing" };

/** Answers that mean "not now" rather than "no": the entry stays and is sent again. */
const TRANSIENT = new Set(["IDEMPOTENCY_KEY_IN_PROGRESS", "TOO_MANY_REQUESTS", "GATEWAY_OVERLOADED",
  "SERVICE_UNAVAILABLE", "UNAUTHENTICATED"]);
const MAX_ATTEMPTS = 5;
const PREFIX = "kabinet.sheets.";

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem" | "key" | "length">;

const sameFields = (a: SaveLessonSheetInput, b: SheetFields): boolean =>
  JSON.stringify([a.summary, a.homework, a.students]) === JSON.stringify([b.summary, b.homework, b.students]);

export class SheetOutbox {
  private readonly memory = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<Outcome>>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(
    private readonly storage: KeyValueStore | null,
    private readonly owner: string,
    private readonly newKey: () => string = () => crypto.randomUUID(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  private slot(lessonId: string): string {
    return `${PREFIX}${this.owner}.${lessonId}`;
  }

  private read(slot: string): string | null {
    try {
      return this.storage?.getItem(slot) ?? this.memory.get(slot) ?? null;
    } catch {
      return this.memory.get(slot) ?? null;
    }
  }

  private write(entry: OutboxEntry): void {
    const slot = this.slot(entry.lessonId), text = JSON.stringify(entry);
    try {
      if (!this.storage) throw new Error("no storage");
      this.storage.setItem(slot, text);
    } catch {
      // storage off or full: kept for this page's life at least, and the page says it is not sent yet
      this.memory.set(slot, text);
    }
    this.changed();
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  /** For useSyncExternalStore: a number that changes with every change. */
  snapshot = (): number => this.version;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get(lessonId: string): OutboxEntry | null {
    const text = this.read(this.slot(lessonId));
    if (!text) return null;
    try {
      return JSON.parse(text) as OutboxEntry;
    } catch {
      return null;
    }
  }

  all(): OutboxEntry[] {
    const slots = new Set(this.memory.keys());
    try {
      for (let i = 0; this.storage && i < this.storage.length; i++) {
        const slot = this.storage.key(i);
        if (slot?.startsWith(`${PREFIX}${this.owner}.`)) slots.add(slot);
      }
    } catch {
      // storage off: the in-memory ones only
    }
    const prefix = this.slot("");
    return [...slots].map((s) => this.get(s.slice(prefix.length))).filter((e): e is OutboxEntry => !!e);
  }

  remove(lessonId: string): void {
    const slot = this.slot(lessonId);
    this.memory.delete(slot);
    try {
      this.storage?.removeItem(slot);
    } catch {
      // nothing stored there
    }
    this.changed();
  }

  /** Keep the sheet as the teacher saved it, loaded at `baseRevision`. The same sheet again keeps its key. */
  keep(lessonId: string, fields: SheetFields, baseRevision: number): OutboxEntry {
    const before = this.get(lessonId);
    const same = before && before.baseRevision === baseRevision;
    const unchanged = same && sameFields(before.input, fields);
    const entry: OutboxEntry = {
      lessonId,
      input: {
        lessonId, ...fields, expectedRevision: baseRevision,
        idempotencyKey: unchanged ? before.input.idempotencyKey : this.newKey(),
      },
      baseRevision,
      attempts: same ? before.attempts : [],
      state: "pending",
      error: null,
      keptAt: this.now().toISOString(),
    };
    this.write(entry);
    return entry;
  }

  /** After a conflict: these marks over the server's sheet at `serverRevision` (the teacher chose so). */
  overwrite(lessonId: string, serverRevision: number): OutboxEntry | null {
    const entry = this.get(lessonId);
    if (!entry) return null;
    const { summary, homework, students } = entry.input;
    return this.keep(lessonId, { summary, homework, students }, serverRevision);
  }

  /** Send the lesson's kept sheet, one send at a time per lesson; a sheet kept while one was on its way goes
   * after it (over the revision it made). */
  send(lessonId: string, transport: Transport): Promise<Outcome> {
    const running = this.inFlight.get(lessonId);
    if (running) {
      return running.then((first) => (first.kind !== "queued" && this.get(lessonId)?.state === "pending"
        ? this.send(lessonId, transport) : first));
    }
    const promise = this.sendNow(lessonId, transport).finally(() => this.inFlight.delete(lessonId));
    this.inFlight.set(lessonId, promise);
    return promise;
  }

  /** Send every pending sheet (back online, the cabinet opened); conflicts and refusals wait for the teacher. */
  async flush(transport: Transport): Promise<Outcome[]> {
    const pending = this.all().filter((e) => e.state === "pending");
    return Promise.all(pending.map((e) => this.send(e.lessonId, transport)));
  }

  private async sendNow(lessonId: string, transport: Transport, rebased = false): Promise<Outcome> {
    const entry = this.get(lessonId);
    if (!entry) return { kind: "nothing" };
    const result = await transport(entry.input);
    if (result.kind === "unreachable") {
      this.remember(lessonId, entry.input);
      return { kind: "queued" };
    }
    if (result.kind === "saved") {
      const current = this.get(lessonId);
      this.remove(lessonId);
      if (!current || current.input.idempotencyKey === entry.input.idempotencyKey) {
        return { kind: "saved", sheet: result.sheet };
      }
      // Saved again while this was on its way: the newer marks go on top of the revision this save made.
      const { summary, homework, students } = current.input;
      this.keep(lessonId, { summary, homework, students }, result.sheet.revision);
      return this.sendNow(lessonId, transport);
    }
    const error = result.errors[0] ?? { code: "UNKNOWN", message: "" };
    if (TRANSIENT.has(error.code)) return { kind: "queued" };
    if (error.code === "STALE_REVISION" && !rebased) {
      const own = await this.ownEarlierSave(entry, transport);
      if (own === "unreachable") return { kind: "queued" };
      if (own !== null && own.revision === entry.baseRevision + 1) {
        // Our own earlier version landed (its answer lost): these marks go on top of it.
        const current = this.get(lessonId);
        if (!current || current.input.idempotencyKey !== entry.input.idempotencyKey) return { kind: "queued" };
        const { summary, homework, students } = entry.input;
        this.keep(lessonId, { summary, homework, students }, own.revision);
        return this.sendNow(lessonId, transport, true);
      }
    }
    return this.refused(lessonId, entry, error);
  }

  /** Which of this entry's earlier versions (if any) the server saved: sent again, a saved one replays. */
  private async ownEarlierSave(entry: OutboxEntry, transport: Transport):
    Promise<SheetFieldsFragment | "unreachable" | null> {
    for (const attempt of [...entry.attempts].reverse()) {
      if (attempt.input.idempotencyKey === entry.input.idempotencyKey) continue;
      const result = await transport(attempt.input);
      if (result.kind === "unreachable") return "unreachable";
      if (result.kind === "saved") return result.sheet;
    }
    return null;
  }

  /** A send whose answer did not come: the server may have saved it, so its key is remembered. */
  private remember(lessonId: string, input: SaveLessonSheetInput): void {
    const current = this.get(lessonId);
    if (!current || current.baseRevision !== input.expectedRevision) return;
    if (current.attempts.some((a) => a.input.idempotencyKey === input.idempotencyKey)) return;
    this.write({ ...current, attempts: [...current.attempts, { input }].slice(-MAX_ATTEMPTS) });
  }

  private refused(lessonId: string, entry: OutboxEntry, error: ApiError): Outcome {
    const current = this.get(lessonId);
    if (!current || current.input.idempotencyKey !== entry.input.idempotencyKey) return { kind: "queued" };
    const state: EntryState = error.code === "STALE_REVISION" ? "conflict" : "rejected";
    const next: OutboxEntry = { ...current, state, error };
    this.write(next);
    return { kind: state, entry: next };
  }
}
