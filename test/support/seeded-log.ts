/**
 * The seeded test producer's log: a pure, reproducible sequence of upserts, replacements and tombstones
 * over a fixed id space, and the final state it must leave behind.
 *
 * Contract:
 * - `generateSeededLog(options)` depends on nothing but its options: the same seed gives the same
 *   entries on every machine (SeededRandom), so a failing crash test can be rerun exactly.
 * - Vector values are float32 values (`Math.fround`), so a vector that went through JSON, the
 *   decoder's Float32Array and `GET /points/:id` compares equal with `===`.
 * - Every entry is one of: `upsert` of an id never seen or currently deleted, `replace` (an upsert of a
 *   live id: new vector and payload), `delete` of a live id (a Kafka tombstone). A delete of an unknown
 *   id would be a no-op and teaches nothing, so none is generated.
 * - `expectedState(log, upTo)` replays the first `upTo` entries (all by default) the way the service
 *   must: last write per id wins, a tombstone removes the id. `deletedIds` are the ids some tombstone
 *   removed and no later upsert brought back: they must answer 404.
 * - `toMessage(entry)` encodes an entry with the project's own encoder (`src/producer/encode.ts`).
 */

import type { Message } from "kafkajs";
import { SeededRandom } from "../../src/index/random.js";
import { encodeDelete, encodeUpsert } from "../../src/producer/encode.js";

export type LogEntry =
  | { kind: "upsert" | "replace"; seq: number; id: string; vector: number[]; payload: { seq: number } }
  | { kind: "delete"; seq: number; id: string };

export interface SeededLogOptions {
  seed: number;
  /** Number of entries. */
  count: number;
  /** Number of distinct ids (`p0` .. `p{idSpace-1}`). */
  idSpace: number;
  dim: number;
  /** Chance that an entry on a live id is a tombstone rather than a replacement (default 0.4). */
  deleteRatio?: number;
}

export interface ExpectedPoint {
  vector: number[];
  payload: { seq: number };
}

export interface ExpectedState {
  live: Map<string, ExpectedPoint>;
  deletedIds: Set<string>;
}

export interface SeededLog {
  readonly options: Required<SeededLogOptions>;
  readonly entries: readonly LogEntry[];
}

export function generateSeededLog(options: SeededLogOptions): SeededLog {
  const full: Required<SeededLogOptions> = { deleteRatio: 0.4, ...options };
  return { options: full, entries: [...seededEntries(full)] };
}

/**
 * The same entries as `generateSeededLog`, one at a time: for long runs (the soak benchmark) whose log
 * would not fit in memory. `count` may be `Infinity`.
 */
export function* seededEntries(options: SeededLogOptions): Generator<LogEntry> {
  const full: Required<SeededLogOptions> = { deleteRatio: 0.4, ...options };
  if (full.idSpace < 1 || full.dim < 1 || full.count < 0) throw new RangeError("bad seeded log options");
  const rnd = new SeededRandom(full.seed);
  const live = new Set<string>();
  const vector = () => Array.from({ length: full.dim }, () => Math.fround(rnd.next() * 2 - 1));
  for (let seq = 0; seq < full.count; seq++) {
    // An id drawn uniformly from the id space: a live one is replaced or tombstoned, any other one
    // (never written, or deleted) is upserted. The live fraction settles near 1 / (1 + deleteRatio).
    const id = `p${rnd.nextInt(full.idSpace)}`;
    if (!live.has(id)) {
      live.add(id);
      yield { kind: "upsert", seq, id, vector: vector(), payload: { seq } };
    } else if (rnd.next() < full.deleteRatio) {
      live.delete(id);
      yield { kind: "delete", seq, id };
    } else {
      yield { kind: "replace", seq, id, vector: vector(), payload: { seq } };
    }
  }
}

/** The state after the first `upTo` entries: last write per id wins, a tombstone removes the id. */
export function expectedState(log: SeededLog, upTo = log.entries.length): ExpectedState {
  const live = new Map<string, ExpectedPoint>();
  const deletedIds = new Set<string>();
  for (const e of log.entries.slice(0, upTo)) {
    if (e.kind === "delete") {
      live.delete(e.id);
      deletedIds.add(e.id);
    } else {
      live.set(e.id, { vector: e.vector, payload: e.payload });
      deletedIds.delete(e.id);
    }
  }
  return { live, deletedIds };
}

/** The Kafka message of an entry, encoded as any producer would (JSON with the payload). */
export function toMessage(entry: LogEntry): Message {
  return entry.kind === "delete"
    ? encodeDelete(entry.id)
    : encodeUpsert(entry.id, entry.vector, entry.payload);
}
