/**
 * The high-watermark poll that keeps consumer lag current while nothing is fetched.
 *
 * Lag is otherwise reported only after an applied batch; a consumer that is not fetching (broker
 * outage, group rejoin, partitions paused, a blocked collection) sees no batches, and the gauge would
 * keep its last value (often 0) while messages wait. So every `intervalMs` this reads the log bounds
 * of each target's topic with the admin client and hands them to the target, which records the high
 * watermarks in its collection's ledger and reports the lag from there.
 *
 * Contract:
 * - Polls never overlap: the next one is scheduled `intervalMs` after the previous one ended.
 * - A failed read of one topic is logged at debug and leaves that topic's lag alone; the others are
 *   still polled.
 * - After `stop()` nothing more is scheduled and an in-flight poll reports nothing further; `start()`
 *   after `stop()` does nothing. The timer is unref'd: the poll alone keeps no process alive.
 */

import type { Admin } from "kafkajs";
import type { Logger } from "pino";
import { fetchBounds, type PartitionBounds } from "./topics.js";

/** One polled topic and where its log bounds go. */
export interface LagPollTarget {
  readonly topic: string;
  noteBounds(bounds: ReadonlyMap<number, PartitionBounds>): void;
}

export interface LagPollerOptions {
  admin: Admin;
  intervalMs: number;
  logger: Logger;
  /** Read at every poll, so targets added after construction are polled too. */
  targets(): Iterable<LagPollTarget>;
}

export class LagPoller {
  readonly #o: LagPollerOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: LagPollerOptions) {
    this.#o = options;
  }

  /** Schedules the first poll, `intervalMs` from now. */
  start(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#poll().finally(() => this.start());
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Lag of every partition of every target from the high watermarks read now. */
  async #poll(): Promise<void> {
    for (const target of this.#o.targets()) {
      let bounds;
      try {
        bounds = await fetchBounds(this.#o.admin, target.topic);
      } catch (err) {
        this.#o.logger.debug({ err: (err as Error).message, topic: target.topic }, "lag poll failed");
        continue;
      }
      if (this.#stopped) return;
      target.noteBounds(bounds);
    }
  }
}
