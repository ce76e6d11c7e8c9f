/**
 * Writes this member's status record to the status topic, keyed by member name, every
 * `intervalMs`, and a tombstone when it stops.
 *
 * Contract: `start()` writes once at once and then on every interval; a write that fails is logged
 * (warn, once per streak of failures) and counted, never thrown: the next interval tries again, and
 * peers expire a member whose writes stop. Writes never overlap (a slow write delays the next one).
 * Each record written is also handed to `onPublished` (the member's own reader takes it, so a member
 * sees itself in its routing table without a round trip through Kafka). `stop()` ends the interval
 * and writes the tombstone (null value), so peers drop the member at once instead of after the expiry;
 * it is idempotent.
 */

import type { Producer } from "kafkajs";
import type { Logger } from "pino";
import { encodeStatus } from "./status.js";
import type { StatusRecord } from "./status.js";

export interface StatusPublisherOptions {
  producer: Producer;
  topic: string;
  intervalMs: number;
  /** The record to write now. */
  build(): StatusRecord;
  onPublished?(record: StatusRecord): void;
  onWriteFailed?(): void;
  log: Logger;
}

export class StatusPublisher {
  readonly #options: StatusPublisherOptions;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failing = false;
  #stopped = false;
  #member: string | undefined;

  constructor(options: StatusPublisherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.publishNow();
    if (this.#stopped) return;
    this.#timer = setInterval(() => void this.publishNow(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Writes the current record (waits for a write in progress instead of starting a second one). */
  publishNow(): Promise<void> {
    if (this.#writing) return this.#writing;
    this.#writing = this.#write().finally(() => (this.#writing = undefined));
    return this.#writing;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#writing;
    if (this.#member === undefined) return;
    try {
      await this.#options.producer.send({
        topic: this.#options.topic,
        messages: [{ key: this.#member, value: null }],
      });
    } catch (err) {
      this.#options.log.warn({ err, topic: this.#options.topic }, "could not write the status tombstone");
    }
  }

  async #write(): Promise<void> {
    if (this.#stopped) return;
    const { producer, topic, build, onPublished, onWriteFailed, log } = this.#options;
    const record = build();
    this.#member = record.member;
    onPublished?.(record);
    try {
      await producer.send({ topic, messages: [encodeStatus(record)] });
      if (this.#failing) log.info({ topic }, "status writes work again");
      this.#failing = false;
    } catch (err) {
      onWriteFailed?.();
      if (!this.#failing)
        log.warn({ err, topic }, "could not write this member's status; retrying every interval");
      this.#failing = true;
    }
  }
}
