import { describe, expect, it } from "vitest";
import { decodeMessage } from "../../src/stream/wire.js";
import type { WireMessage } from "../../src/stream/wire.js";
import { expectedState, generateSeededLog, toMessage } from "./seeded-log.js";

const options = { seed: 7, count: 2000, idSpace: 300, dim: 6 };

function asWire(entry: Parameters<typeof toMessage>[0], offset: number): WireMessage {
  const m = toMessage(entry);
  const buf = (v: unknown) => (v === null || v === undefined ? null : Buffer.from(v as string));
  return {
    key: buf(m.key),
    value: m.value === null ? null : buf(m.value),
    headers: m.headers as WireMessage["headers"],
    offset: String(offset),
    timestamp: "0",
  };
}

describe("the seeded log", () => {
  it("gives the same entries for the same seed and different ones for another seed", () => {
    expect(generateSeededLog(options).entries).toEqual(generateSeededLog(options).entries);
    expect(generateSeededLog({ ...options, seed: 8 }).entries).not.toEqual(
      generateSeededLog(options).entries,
    );
  });

  it("mixes fresh upserts, replacements of live ids and tombstones of live ids", () => {
    const live = new Set<string>();
    const kinds = { upsert: 0, replace: 0, delete: 0 };
    for (const e of generateSeededLog(options).entries) {
      kinds[e.kind]++;
      if (e.kind === "upsert") expect(live.has(e.id)).toBe(false);
      else expect(live.has(e.id)).toBe(true);
      if (e.kind === "delete") live.delete(e.id);
      else live.add(e.id);
    }
    expect(kinds.upsert).toBeGreaterThan(200);
    expect(kinds.replace).toBeGreaterThan(200);
    expect(kinds.delete).toBeGreaterThan(200);
  });

  it("uses only float32 values, so a decoded vector equals the expected one exactly", () => {
    const log = generateSeededLog(options);
    log.entries.slice(0, 200).forEach((e, offset) => {
      const op = decodeMessage(asWire(e, offset), 0, { dim: 6, metric: "l2", maxMessageBytes: 1 << 20 });
      if (e.kind === "delete") {
        expect(op).toMatchObject({ kind: "delete", id: e.id, offset });
      } else {
        expect(op.kind).toBe("upsert");
        if (op.kind !== "upsert") return;
        expect(Array.from(op.vector)).toEqual(e.vector);
        expect(op.payload).toEqual({ seq: e.seq });
      }
    });
  });

  it("expects the last write of each id, and never a tombstoned id that was not written again", () => {
    const log = generateSeededLog(options);
    const { live, deletedIds } = expectedState(log);
    const last = new Map<string, (typeof log.entries)[number]>();
    for (const e of log.entries) last.set(e.id, e);
    for (const [id, e] of last) {
      if (e.kind === "delete") {
        expect(live.has(id)).toBe(false);
        expect(deletedIds.has(id)).toBe(true);
      } else {
        expect(live.get(id)).toEqual({ vector: e.vector, payload: { seq: e.seq } });
        expect(deletedIds.has(id)).toBe(false);
      }
    }
    expect(live.size + deletedIds.size).toBe(last.size);
  });

  it("expects a prefix's state after a prefix of the log", () => {
    const log = generateSeededLog(options);
    const half = expectedState(log, 1000);
    const firstHalf = expectedState({ ...log, entries: log.entries.slice(0, 1000) });
    expect(half).toEqual(firstHalf);
    expect(expectedState(log, 0).live.size).toBe(0);
  });
});
