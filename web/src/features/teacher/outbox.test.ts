import { beforeEach, describe, expect, it } from "vitest";
import type { SaveLessonSheetInput, SheetFieldsFragment } from "../../gql/graphql";
import { SheetOutbox, type SendResult } from "./outbox";
import type { SheetFields } from "./sheetForm";

/** learning's saveLessonSheet as far as the outbox sees it: revisions, expectedRevision, idempotency keys. */
class FakeServer {
  revision = 0;
  fields: SheetFields = { summary: "", homework: "", students: [] };
  keys = new Map<string, string>();
  offline = false;
  loseAnswers = false;
  sent: SaveLessonSheetInput[] = [];

  sheet(): SheetFieldsFragment {
    return {
      __typename: "LessonSheet", lessonId: "L1", summary: this.fields.summary ?? "", homework: this.fields.homework ?? "",
      revision: this.revision, filled: this.revision > 0, updatedAt: null, gradeScale: "FIVE_POINT", students: [],
    };
  }

  /** Another teacher's (or the admin's) save from another device. */
  saveElsewhere(summary: string): void {
    this.fields = { ...this.fields, summary };
    this.revision += 1;
  }

  transport = async (input: SaveLessonSheetInput): Promise<SendResult> => {
    if (this.offline) return { kind: "unreachable" };
    this.sent.push(input);
    const body = JSON.stringify([input.summary, input.homework, input.students]);
    const key = input.idempotencyKey ?? "";
    const seen = this.keys.get(key);
    let result: SendResult;
    if (seen !== undefined) {
      result = seen === body ? { kind: "saved", sheet: this.sheet() }
        : { kind: "errors", errors: [{ code: "IDEMPOTENCY_KEY_REUSED", message: "" }] };
    } else if (input.expectedRevision != null && input.expectedRevision !== this.revision) {
      result = { kind: "errors", errors: [{ code: "STALE_REVISION", message: "", field: "expectedRevision" }] };
    } else {
      this.keys.set(key, body);
      this.fields = { summary: input.summary, homework: input.homework, students: input.students };
      this.revision += 1;
      result = { kind: "saved", sheet: this.sheet() };
    }
    return this.loseAnswers ? { kind: "unreachable" } : result;
  };
}

class MemoryStorage {
  private items = new Map<string, string>();
  get length() { return this.items.size; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  getItem(k: string) { return this.items.get(k) ?? null; }
  setItem(k: string, v: string) { this.items.set(k, v); }
  removeItem(k: string) { this.items.delete(k); }
}

const marks = (summary: string, grade = "5"): SheetFields => ({
  summary, homework: "Ex. 1", students: [{ studentId: "S1", attendance: "PRESENT", grade }],
});

let server: FakeServer;
let storage: MemoryStorage;
let n = 0;
const outbox = () => new SheetOutbox(storage, "teacher-1", () => `key-${++n}`);

beforeEach(() => {
  server = new FakeServer();
  storage = new MemoryStorage();
  n = 0;
});

describe("SheetOutbox", () => {
  it("keeps marks made offline in storage, says so, and sends them once back online", async () => {
    const box = outbox();
    server.offline = true;
    box.keep("L1", marks("Past simple"), 0);
    expect(await box.send("L1", server.transport)).toEqual({ kind: "queued" });
    // a new page (the phone's browser restarted) finds them in storage
    const again = outbox();
    expect(again.get("L1")?.state).toBe("pending");
    expect(again.all().map((e) => e.lessonId)).toEqual(["L1"]);
    server.offline = false;
    const [outcome] = await again.flush(server.transport);
    expect(outcome?.kind).toBe("saved");
    expect(server.fields.summary).toBe("Past simple");
    expect(server.revision).toBe(1);
    expect(again.get("L1")).toBeNull();
    expect(storage.length).toBe(0);
  });

  it("sends the whole sheet with the revision it was loaded at and a key; a lost answer sent again saves once", async () => {
    const box = outbox();
    box.keep("L1", marks("Past simple"), 0);
    server.loseAnswers = true;
    expect((await box.send("L1", server.transport)).kind).toBe("queued");
    expect(server.revision).toBe(1); // it did land
    server.loseAnswers = false;
    const outcome = await box.send("L1", server.transport);
    expect(outcome.kind).toBe("saved");
    expect(server.revision).toBe(1); // the retry replayed, nothing saved twice
    expect(server.sent.map((i) => [i.expectedRevision, i.idempotencyKey])).toEqual([[0, "key-1"], [0, "key-1"]]);
  });

  it("the same sheet saved twice keeps its key; a changed one gets a new key", async () => {
    const box = outbox();
    const first = box.keep("L1", marks("A"), 0);
    expect(box.keep("L1", marks("A"), 0).input.idempotencyKey).toBe(first.input.idempotencyKey);
    expect(box.keep("L1", marks("B"), 0).input.idempotencyKey).not.toBe(first.input.idempotencyKey);
  });

  it("shows a sheet changed meanwhile by someone else as a conflict, never overwriting it", async () => {
    const box = outbox();
    server.offline = true;
    box.keep("L1", marks("Mine"), 0);
    await box.send("L1", server.transport);
    server.offline = false;
    server.saveElsewhere("The admin's");
    const outcome = await box.send("L1", server.transport);
    expect(outcome.kind).toBe("conflict");
    expect(server.fields.summary).toBe("The admin's");
    expect(box.get("L1")?.state).toBe("conflict");
    // a conflict waits for the teacher: flushing does not send it
    expect(await box.flush(server.transport)).toEqual([]);
    // the teacher chose to save hers over it
    box.overwrite("L1", server.revision);
    expect((await box.send("L1", server.transport)).kind).toBe("saved");
    expect(server.fields.summary).toBe("Mine");
    expect(server.revision).toBe(2);
  });

  it("its own earlier save that landed unanswered is no conflict: the edited marks go on top", async () => {
    const box = outbox();
    box.keep("L1", marks("First"), 0);
    server.loseAnswers = true;
    await box.send("L1", server.transport); // saved as revision 1, the answer lost
    server.loseAnswers = false;
    box.keep("L1", marks("First", "4"), 0); // edited, still believing the sheet is at revision 0
    const outcome = await box.send("L1", server.transport);
    expect(outcome.kind).toBe("saved");
    expect(server.revision).toBe(2);
    expect(server.fields.students?.[0]?.grade).toBe("4");
  });

  it("its own earlier save plus someone else's is a conflict", async () => {
    const box = outbox();
    box.keep("L1", marks("First"), 0);
    server.loseAnswers = true;
    await box.send("L1", server.transport);
    server.loseAnswers = false;
    server.saveElsewhere("The admin's");
    box.keep("L1", marks("First", "4"), 0);
    expect((await box.send("L1", server.transport)).kind).toBe("conflict");
    expect(server.fields.summary).toBe("The admin's");
  });

  it("a refused sheet (a grade off the scale) stays, with its error, and is not sent again by itself", async () => {
    const box = outbox();
    box.keep("L1", marks("A", "7"), 0);
    const refuse = async (): Promise<SendResult> =>
      ({ kind: "errors", errors: [{ code: "INVALID_GRADE", message: "", field: "students.0.grade" }] });
    const outcome = await box.send("L1", refuse);
    expect(outcome.kind).toBe("rejected");
    expect(box.get("L1")?.error?.code).toBe("INVALID_GRADE");
    expect(await box.flush(server.transport)).toEqual([]);
  });

  it("a sheet saved again while the first save is on its way goes after it, over its revision", async () => {
    const box = outbox();
    box.keep("L1", marks("A"), 0);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const slow = async (input: SaveLessonSheetInput) => {
      await gate;
      return server.transport(input);
    };
    const first = box.send("L1", slow);
    box.keep("L1", marks("B"), 0);
    const second = box.send("L1", slow);
    release();
    expect((await first).kind).toBe("saved");
    expect((await second).kind).toBe("saved");
    expect(server.fields.summary).toBe("B");
    expect(server.revision).toBe(2);
    expect(box.get("L1")).toBeNull();
  });

  it("keeps each teacher's sheets apart", () => {
    outbox().keep("L1", marks("A"), 0);
    expect(new SheetOutbox(storage, "teacher-2").all()).toEqual([]);
  });

  it("works without storage (private mode), for the page's life", async () => {
    const box = new SheetOutbox(null, "t", () => "k");
    box.keep("L1", marks("A"), 0);
    expect(box.all()).toHaveLength(1);
    expect((await box.send("L1", server.transport)).kind).toBe("saved");
  });
});
