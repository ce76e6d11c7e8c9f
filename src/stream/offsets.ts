/**
 * Offset bookkeeping for ingest, pure and broker-free.
 *
 * - `ContiguousProgress`: messages of one partition are registered in fetch order and marked done in
 *   any order; the commit point only advances across a done prefix, so an offset is never resolved
 *   while an earlier message of the same partition is still in flight. Kafka offsets are not
 *   contiguous (compaction, transaction markers), so the prefix is over registered offsets, not over
 *   integers.
 * - `offsetLag`: messages behind the high watermark, given the last offset consumed.
 * - `CatchUpTracker`: whether every assigned partition reached the high watermark seen at start.
 * - `offsetsLostToRetention`: how many offsets a fetched batch skipped because they were deleted from
 *   the log before they were applied (see its doc for the rule that tells this from compaction).
 */

/** Messages in `[next, highWatermark)`: how far the consumer is behind the log end. Never negative. */
export function offsetLag(highWatermark: number, lastConsumed: number | undefined, lowWatermark = 0): number {
  const next = lastConsumed === undefined ? lowWatermark : lastConsumed + 1;
  return Math.max(0, highWatermark - next);
}

/**
 * Offsets skipped because the log moved past the consumer: `expected` is the offset the partition
 * should deliver next (last consumed + 1, or the log start seen at start when nothing was consumed),
 * `firstOffset` the first offset of the fetched batch, `logStart` the partition's log start offset
 * looked up after the batch arrived.
 *
 * A gap alone is not loss: compaction removes records too, leaving gaps anywhere in the log. Retention
 * (and delete-records) instead moves the log start, and when the consumer's position falls below it,
 * kafkajs resets the position to the log start ("Offset out of range, resetting to default offset";
 * ingest subscribes `fromBeginning`). So a gap counts only when the batch begins at or before the log
 * start: every offset in `[expected, firstOffset)` is then below the log start, i.e. gone. Compaction
 * never moves the log start, so its gaps (which begin past it) count as 0. The log start is looked up
 * after the fetch and only grows, so `firstOffset <= logStart` holds for a reset batch even when
 * retention deleted more in between.
 */
export function offsetsLostToRetention(expected: number, firstOffset: number, logStart: number): number {
  if (firstOffset <= expected || firstOffset > logStart) return 0;
  return firstOffset - expected;
}

interface Waiter {
  offset: number;
  resolve: () => void;
}

/** Commit-point tracking for one partition (see module doc). */
export class ContiguousProgress {
  /** Registered offsets not yet part of the done prefix, in fetch order; `#head` indexes the first. */
  #pending: number[] = [];
  #head = 0;
  #done = new Set<number>();
  #committed: number | undefined;
  #waiters: Waiter[] = [];

  /** The highest offset with it and every earlier registered offset done; undefined before any. */
  get committed(): number | undefined {
    return this.#committed;
  }

  /** Registered messages not yet in the done prefix. */
  get outstanding(): number {
    return this.#pending.length - this.#head;
  }

  /** Registers offsets in fetch order; each must be greater than every offset registered before. */
  register(offsets: Iterable<number>): void {
    for (const offset of offsets) {
      const last = this.lastRegistered;
      if (last !== undefined && offset <= last) {
        throw new RangeError(`offset ${offset} registered after ${last}; offsets must increase`);
      }
      this.#pending.push(offset);
    }
  }

  /** Marks a registered offset done and advances the commit point across the done prefix. */
  markDone(offset: number): void {
    this.#done.add(offset);
    while (this.#head < this.#pending.length && this.#done.delete(this.#pending[this.#head])) {
      this.#committed = this.#pending[this.#head++];
    }
    // Compact now and then so the array does not grow with the life of the partition.
    if (this.#head > 1024 && this.#head * 2 > this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    this.#wake();
  }

  /** The last offset registered, done or not; undefined before any. */
  get lastRegistered(): number | undefined {
    return this.#pending.length > this.#head ? this.#pending[this.#pending.length - 1] : this.#committed;
  }

  /**
   * Resolves once every registered offset up to `offset` is done (at once when none is outstanding),
   * so a caller can wait for a range without knowing which offsets in it were registered.
   */
  whenDoneThrough(offset: number): Promise<void> {
    if (this.#isDoneThrough(offset)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ offset, resolve }));
  }

  #isDoneThrough(offset: number): boolean {
    return this.#head >= this.#pending.length || this.#pending[this.#head] > offset;
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const ready = this.#waiters.filter((w) => this.#isDoneThrough(w.offset));
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !this.#isDoneThrough(w.offset));
    for (const w of ready) w.resolve();
  }
}

/** Log bounds of a partition as `admin.fetchTopicOffsets` reports them. */
export interface PartitionBounds {
  low: number;
  high: number;
}

/**
 * Readiness at start: a partition is caught up once its last consumed offset reaches the high
 * watermark seen at start minus 1, or at once when it was empty (`high <= low`). Only partitions
 * assigned to this group member count, and nothing is caught up before the first assignment.
 */
export class CatchUpTracker {
  readonly #bounds: ReadonlyMap<number, PartitionBounds>;
  #assigned: number[] | undefined;
  #caughtUp = false;

  constructor(bounds: ReadonlyMap<number, PartitionBounds>) {
    this.#bounds = bounds;
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  assign(partitions: readonly number[]): void {
    this.#assigned = [...partitions];
  }

  /** Re-evaluates with the last consumed offset per partition; returns whether caught up (sticky). */
  update(lastConsumed: ReadonlyMap<number, number>): boolean {
    if (this.#caughtUp || this.#assigned === undefined) return this.#caughtUp;
    this.#caughtUp = this.#assigned.every((p) => {
      const b = this.#bounds.get(p);
      // A partition created after start has no start bound: nothing was there to catch up with.
      if (b === undefined || b.high <= b.low) return true;
      const consumed = lastConsumed.get(p);
      return consumed !== undefined && consumed >= b.high - 1;
    });
    return this.#caughtUp;
  }

  /** Partitions still behind, with their target offsets (for logs and /readyz details). */
  behind(lastConsumed: ReadonlyMap<number, number>): Map<number, number> {
    const out = new Map<number, number>();
    for (const p of this.#assigned ?? []) {
      const b = this.#bounds.get(p);
      if (b === undefined || b.high <= b.low) continue;
      const consumed = lastConsumed.get(p);
      if (consumed === undefined || consumed < b.high - 1) out.set(p, b.high - 1);
    }
    return out;
  }
}
