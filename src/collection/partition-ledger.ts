/**
 * The per-partition ledger of a collection: ONE record per Kafka partition, and the only place where
 * a collection's offsets live. Pure: no I/O, no timers except the read-your-writes timeout.
 *
 * A record holds:
 * - `applied`: the last offset whose effect is visible to searches (applied, dead-lettered, or
 *   consumed without effect). Snapshots store it, ingest seeks each partition to `applied + 1`, and
 *   read-your-writes waits on it. It only rises.
 * - `enqueued`: the last offset handed to the writer's queue (>= `applied` while anything is queued),
 *   so a refetch of what is already queued (a seek or rebalance) is dropped, never applied twice.
 * - `highWatermark`: the log end last seen (from a fetch or the lag poll): lag is
 *   `highWatermark - 1 - applied`.
 * - `catchUpTarget`: the last offset that existed when ingest started reading the partition; the
 *   partition is caught up (sticky) once `applied` reaches it. `/readyz` is built on this.
 * - `ownership`: this member's claim. A partition the group assigns is `restoring` until its state is
 *   whole (loaded from a snapshot, or replayed from the log start up to its catch-up target), then
 *   `held`; only held partitions are searched. A partition the group takes away is forgotten
 *   (`unassign`). Records restored from a snapshot before the first group join are `unassigned`.
 *
 * Waiting: `waitFor` resolves once every named partition's `applied` reaches its offset, or rejects
 * with `ReadYourWritesTimeoutError` (HTTP 408) after the timeout. A waiter is parked on the first
 * partition it still lacks and woken only when that partition rises, so a raise costs the waiters of
 * that partition, not all of them.
 */

/** Messages in `[next, highWatermark)`: how far a consumer is behind the log end. Never negative. */
export function offsetLag(highWatermark: number, lastApplied: number | undefined, logStart = 0): number {
  const next = lastApplied === undefined ? logStart : lastApplied + 1;
  return Math.max(0, highWatermark - next);
}

export interface PartitionRecord {
  readonly partition: number;
  applied: number | undefined;
  enqueued: number | undefined;
  highWatermark: number | undefined;
  /** The log start when ingest first read the partition (where reading begins with nothing applied). */
  logStart: number | undefined;
  catchUpTarget: number | undefined;
  caughtUp: boolean;
  ownership: Ownership;
  /** How the partition's state was (or is being) restored when it was assigned. */
  restoreSource: RestoreSource | undefined;
  restoreStartedAtMs: number | undefined;
  restoredAtMs: number | undefined;
}

export type Ownership = "unassigned" | "restoring" | "held";
export type RestoreSource = "snapshot" | "replay";

/** At most this many partitions are listed in a read-your-writes timeout (the rest are counted). */
export const MAX_PENDING_LISTED = 32;

type Pending = Record<string, { wanted: number; applied: number | null }>;

/** A read-your-writes wait ran out before the named offsets were applied (HTTP 408). */
export class ReadYourWritesTimeoutError extends Error {
  readonly code = "READ_YOUR_WRITES_TIMEOUT";
  readonly retriable = true;
  readonly details: Record<string, unknown>;

  constructor(collection: string, timeoutMs: number, pending: Pending, pendingCount: number) {
    const listed = Object.keys(pending);
    const more = pendingCount > listed.length ? ` and ${pendingCount - listed.length} more` : "";
    super(
      `collection ${collection} did not apply the requested offsets within ${timeoutMs} ms ` +
        `(pending partitions: ${listed.join(", ")}${more}); retry, or raise timeout_ms`,
    );
    this.name = "ReadYourWritesTimeoutError";
    this.details = { collection, timeout_ms: timeoutMs, pending, pending_count: pendingCount };
  }
}

interface Waiter {
  readonly wanted: ReadonlyMap<number, number>;
  /** The partition the waiter is parked on (the first one it still lacks). */
  parkedOn: number;
  wake(): void;
}

export class PartitionLedger {
  readonly #label: string;
  readonly #onApplied: (partition: number, offset: number) => void;
  readonly #records = new Map<number, PartitionRecord>();
  readonly #parked = new Map<number, Set<Waiter>>();
  /** The topic's partitions as ingest last read them; undefined before ingest looked. */
  #topicPartitions: ReadonlySet<number> | undefined;

  constructor(options: { label: string; onApplied?: (partition: number, offset: number) => void }) {
    this.#label = options.label;
    this.#onApplied = options.onApplied ?? (() => {});
  }

  /** The record of `partition`, created empty on first use. */
  record(partition: number): PartitionRecord {
    let r = this.#records.get(partition);
    if (r === undefined) {
      r = {
        partition,
        applied: undefined,
        enqueued: undefined,
        highWatermark: undefined,
        logStart: undefined,
        catchUpTarget: undefined,
        caughtUp: false,
        ownership: "unassigned",
        restoreSource: undefined,
        restoreStartedAtMs: undefined,
        restoredAtMs: undefined,
      };
      this.#records.set(partition, r);
    }
    return r;
  }

  get(partition: number): Readonly<PartitionRecord> | undefined {
    return this.#records.get(partition);
  }

  /** Every record, in partition order. */
  records(): Readonly<PartitionRecord>[] {
    return [...this.#records.values()].sort((a, b) => a.partition - b.partition);
  }

  applied(partition: number): number | undefined {
    return this.#records.get(partition)?.applied;
  }

  /** Applied offset per partition (only partitions with one), in partition order. */
  appliedOffsets(): Map<number, number> {
    const out = new Map<number, number>();
    for (const r of this.records()) if (r.applied !== undefined) out.set(r.partition, r.applied);
    return out;
  }

  /** Raises `applied` (never lowers it) and wakes the waiters parked on the partition. */
  raiseApplied(partition: number, offset: number): void {
    const r = this.record(partition);
    if (r.applied !== undefined && r.applied >= offset) return;
    r.applied = offset;
    if (r.enqueued !== undefined && r.enqueued < offset) r.enqueued = offset;
    this.#onApplied(partition, offset);
    const parked = this.#parked.get(partition);
    if (parked === undefined) return;
    for (const waiter of parked)
      if (this.#offsetOf(partition) >= (waiter.wanted.get(partition) ?? 0)) {
        parked.delete(waiter);
        this.#park(waiter);
      }
    if (parked.size === 0) this.#parked.delete(partition);
  }

  /** The last offset applied or waiting in the writer's queue. */
  lastQueued(partition: number): number | undefined {
    const r = this.#records.get(partition);
    if (r === undefined) return undefined;
    if (r.enqueued === undefined) return r.applied;
    return r.applied === undefined || r.enqueued > r.applied ? r.enqueued : r.applied;
  }

  noteEnqueued(partition: number, offset: number): void {
    const r = this.record(partition);
    if (r.enqueued === undefined || offset > r.enqueued) r.enqueued = offset;
  }

  noteHighWatermark(partition: number, highWatermark: number): void {
    this.record(partition).highWatermark = highWatermark;
  }

  /** Messages between `applied` and the log end, or undefined before the log end is known. */
  lag(partition: number): number | undefined {
    const r = this.#records.get(partition);
    if (r?.highWatermark === undefined) return undefined;
    return offsetLag(r.highWatermark, r.applied, r.logStart ?? 0);
  }

  /** The topic's partitions (ingest reads them at start), so requests naming others can be refused. */
  setTopicPartitions(partitions: Iterable<number>): void {
    this.#topicPartitions = new Set(partitions);
  }

  get topicPartitions(): ReadonlySet<number> | undefined {
    return this.#topicPartitions;
  }

  /**
   * Sets where catching up ends for a partition ingest starts (or starts again) reading: the log
   * `[low, high)` as it stands now. An empty log (`high <= low`) or an applied offset already there is
   * caught up at once.
   */
  expectCatchUp(partition: number, low: number, high: number): void {
    const r = this.record(partition);
    r.logStart = low;
    if (r.highWatermark === undefined || high > r.highWatermark) r.highWatermark = high;
    r.catchUpTarget = high - 1;
    r.caughtUp = false;
    this.#checkCaughtUp(r);
  }

  /** Whether every one of `partitions` is caught up (re-evaluated from `applied`; sticky per record). */
  caughtUp(partitions: Iterable<number>): boolean {
    for (const p of partitions) {
      const r = this.#records.get(p);
      if (r === undefined || !this.#checkCaughtUp(r)) return false;
    }
    return true;
  }

  /** Partitions among `partitions` still behind their catch-up target, with the target. */
  behind(partitions: Iterable<number>): Map<number, number> {
    const out = new Map<number, number>();
    for (const p of partitions) {
      const r = this.#records.get(p);
      if (r !== undefined && !this.#checkCaughtUp(r) && r.catchUpTarget !== undefined)
        out.set(p, r.catchUpTarget);
    }
    return out;
  }

  #checkCaughtUp(r: PartitionRecord): boolean {
    if (!r.caughtUp && r.catchUpTarget !== undefined) {
      const start = r.logStart ?? 0;
      r.caughtUp = r.catchUpTarget < start || (r.applied !== undefined && r.applied >= r.catchUpTarget);
    }
    return r.caughtUp;
  }

  /** The group assigned `partition` to this member: restoring from `source` until `markRestored`. */
  assign(partition: number, source: RestoreSource, nowMs: number): void {
    const r = this.record(partition);
    r.ownership = "restoring";
    r.restoreSource = source;
    r.restoreStartedAtMs = nowMs;
    r.restoredAtMs = undefined;
  }

  /** The partition's state is whole: it counts as held from now on (if still assigned). */
  markRestored(partition: number, nowMs: number): void {
    const r = this.#records.get(partition);
    if (r === undefined || r.ownership !== "restoring") return;
    r.ownership = "held";
    r.restoredAtMs = nowMs;
  }

  /** The group took `partition` away: its record (and offset) is forgotten. */
  unassign(partition: number): void {
    this.#records.delete(partition);
  }

  /** Partitions with the given ownership, in order. */
  withOwnership(ownership: Ownership): number[] {
    return this.records()
      .filter((r) => r.ownership === ownership)
      .map((r) => r.partition);
  }

  /** Replaces every applied offset with a recovered set (a snapshot load; before ingest starts). */
  restore(offsets: ReadonlyMap<number, number>): void {
    this.#records.clear();
    for (const [partition, offset] of offsets) this.raiseApplied(partition, offset);
  }

  /**
   * Resolves once every partition in `wanted` has applied at least its offset; rejects with
   * `ReadYourWritesTimeoutError` after `timeoutMs`, and with `signal.reason` when aborted.
   */
  waitFor(wanted: ReadonlyMap<number, number>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#firstLacking(wanted) === undefined) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#parked.get(waiter.parkedOn)?.delete(waiter);
      };
      const waiter: Waiter = {
        wanted,
        parkedOn: -1,
        wake: () => {
          done();
          resolve();
        },
      };
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      const timer =
        timeoutMs === Infinity
          ? undefined
          : setTimeout(() => {
              done();
              const { pending, count } = this.#pending(wanted);
              reject(new ReadYourWritesTimeoutError(this.#label, timeoutMs, pending, count));
            }, timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#park(waiter);
    });
  }

  /** Parks `waiter` on the first partition it lacks, or wakes it when it lacks none. */
  #park(waiter: Waiter): void {
    const lacking = this.#firstLacking(waiter.wanted);
    if (lacking === undefined) {
      waiter.wake();
      return;
    }
    waiter.parkedOn = lacking;
    let set = this.#parked.get(lacking);
    if (set === undefined) this.#parked.set(lacking, (set = new Set()));
    set.add(waiter);
  }

  #offsetOf(partition: number): number {
    return this.#records.get(partition)?.applied ?? -1;
  }

  #firstLacking(wanted: ReadonlyMap<number, number>): number | undefined {
    for (const [partition, offset] of wanted) if (this.#offsetOf(partition) < offset) return partition;
    return undefined;
  }

  #pending(wanted: ReadonlyMap<number, number>): { pending: Pending; count: number } {
    const pending: Pending = {};
    let count = 0;
    for (const [partition, offset] of wanted) {
      const applied = this.#records.get(partition)?.applied;
      if (applied !== undefined && applied >= offset) continue;
      if (count++ < MAX_PENDING_LISTED)
        pending[String(partition)] = { wanted: offset, applied: applied ?? null };
    }
    return { pending, count };
  }
}
