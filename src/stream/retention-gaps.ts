/**
 * Offsets lost to retention: the check ingest runs on every fetched batch before it is applied.
 *
 * Contract:
 * - `check` is given the offset the partition should deliver next (last consumed + 1, or the log start
 *   seen at start when nothing was consumed) and the batch's first offset. Nothing happens when the
 *   batch starts there or earlier (the usual path: no I/O).
 * - A batch that starts later is confirmed in the background against the partition's current log start
 *   (one admin ListOffsets per gap; the batch is not held up). If it starts at or before the log start,
 *   kafkajs reset a position that fell off the log, and every offset skipped is reported to
 *   `observer.onOffsetsSkipped` and logged at error level with the range. Nothing more can be done:
 *   the data is gone from Kafka. A gap past the log start is compaction's and is logged at debug only
 *   (`offsetsLostToRetention`, below, has the rule).
 * - A failed log-start lookup is logged at warn and not counted.
 */

import type { Admin } from "kafkajs";
import type { Logger } from "pino";
import type { IngestObserver } from "./observer.js";
import { fetchBounds } from "./topics.js";

export interface BatchStart {
  collection: string;
  topic: string;
  partition: number;
  /** The offset expected next; undefined when unknown (a partition created after start). */
  expected: number | undefined;
  /** The first offset of the fetched batch; undefined for an empty batch. */
  firstOffset: number | undefined;
}

export class RetentionGapCheck {
  readonly #admin: Admin;
  readonly #observer: IngestObserver;
  readonly #log: Logger;

  constructor(admin: Admin, observer: IngestObserver, logger: Logger) {
    this.#admin = admin;
    this.#observer = observer;
    this.#log = logger;
  }

  check(start: BatchStart): void {
    const { expected, firstOffset } = start;
    if (expected === undefined || firstOffset === undefined || firstOffset <= expected) return;
    void this.#confirm(start, expected, firstOffset);
  }

  async #confirm(start: BatchStart, expected: number, firstOffset: number): Promise<void> {
    const { collection, partition } = start;
    const range = { collection, partition, fromOffset: expected, toOffset: firstOffset - 1 };
    let logStart: number | undefined;
    try {
      logStart = (await fetchBounds(this.#admin, start.topic)).get(partition)?.low;
    } catch (err) {
      this.#log.warn(
        { ...range, err: (err as Error).message },
        "offset gap seen but the log start could not be fetched; not counted as skipped",
      );
      return;
    }
    const lost = logStart === undefined ? 0 : offsetsLostToRetention(expected, firstOffset, logStart);
    if (lost === 0) {
      this.#log.debug({ ...range, logStart }, "offset gap past the log start (compaction); nothing lost");
      return;
    }
    this.#log.error(
      { ...range, count: lost, logStart },
      "offsets were deleted from the log before they were applied; their mutations are lost",
    );
    this.#observer.onOffsetsSkipped?.(collection, partition, lost);
  }
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
