/**
 * Reads the whole status topic, from its beginning and then as it grows, into the latest record of
 * every member, and builds the routing table from them.
 *
 * Contract:
 * - The reader is a consumer in a group of its own (`<groupIdPrefix>.status.<member>.<random>`), reads
 *   every partition from the beginning and commits nothing, so every member sees every record and the
 *   group leaves nothing behind (kafkajs has no assign-style consumer).
 * - The latest record per key counts; a tombstone removes the member; an invalid record is logged
 *   (warn, with the reason) and skipped. `accept` takes a record directly (the member's own).
 * - `table()` is the routing table for now, rebuilt when a record arrived or `refreshMs` passed
 *   (expiry is a matter of time, so a table is never older than that).
 * - `ready` resolves once the reader has been assigned and caught up with the topic as it stood, so a
 *   router started then knows its peers; `stop()` disconnects.
 */

import { randomBytes } from "node:crypto";
import type { Consumer, ConsumerConfig, Kafka } from "kafkajs";
import type { Logger } from "pino";
import { buildRoutingTable } from "./routing-table.js";
import type { ReceivedStatus, RoutingTable } from "./routing-table.js";
import { decodeStatus } from "./status.js";
import type { StatusRecord } from "./status.js";

export interface StatusReaderOptions {
  kafka: Kafka;
  topic: string;
  member: string;
  groupIdPrefix: string;
  expiryMs: number;
  /** Longest a table is reused before expiry is judged again (default 250 ms). */
  refreshMs?: number;
  /** Extra consumer settings (tests: the dev broker's shorter session timeout). */
  consumer?: Partial<ConsumerConfig>;
  now?: () => number;
  log: Logger;
}

export class StatusReader {
  readonly #options: StatusReaderOptions;
  readonly #latest = new Map<string, ReceivedStatus>();
  readonly #now: () => number;
  #consumer: Consumer | undefined;
  #table: RoutingTable | undefined;
  #changed = true;

  constructor(options: StatusReaderOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Subscribes from the beginning; resolves once the records present at start are read. */
  async start(readyTimeoutMs = 30_000): Promise<void> {
    const { kafka, topic, member, groupIdPrefix, log } = this.#options;
    const groupId = `${groupIdPrefix}.status.${member}.${randomBytes(4).toString("hex")}`;
    const consumer = kafka.consumer({ groupId, ...this.#options.consumer });
    this.#consumer = consumer;
    const admin = kafka.admin();
    await admin.connect();
    let ends: Map<number, number>;
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
    const reached = new Map<number, number>();
    let markReady: () => void = () => {};
    const caughtUp = new Promise<void>((resolve) => (markReady = resolve));
    const check = () => {
      for (const [p, end] of ends) if ((reached.get(p) ?? 0) < end) return;
      markReady();
    };
    check();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.#take(message.key, message.value);
        reached.set(partition, Number(message.offset) + 1);
        check();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn(
          { topic, readyTimeoutMs },
          "status topic not read to its end yet; routing with what is known",
        );
        resolve();
      }, readyTimeoutMs);
    });
    await Promise.race([caughtUp, timeout]);
    clearTimeout(timer);
  }

  /** Takes a record as if read from the topic (this member's own, written by its publisher). */
  accept(record: StatusRecord): void {
    this.#latest.set(record.member, { record, receivedAt: this.#now() });
    this.#changed = true;
  }

  table(): RoutingTable {
    const now = this.#now();
    const refreshMs = this.#options.refreshMs ?? 250;
    if (this.#changed || this.#table === undefined || now - this.#table.builtAt >= refreshMs) {
      this.#table = buildRoutingTable(this.#latest.values(), now, this.#options.expiryMs);
      this.#changed = false;
    }
    return this.#table;
  }

  async stop(): Promise<void> {
    await this.#consumer?.disconnect();
    this.#consumer = undefined;
  }

  #take(key: Buffer | null, value: Buffer | null): void {
    const decoded = decodeStatus(key, value);
    if (decoded.kind === "invalid") {
      this.#options.log.warn(
        { member: decoded.member, reason: decoded.reason },
        "skipped an invalid status record",
      );
      return;
    }
    // This member's own record is taken from its publisher directly; an old copy read back from the
    // topic (a previous run of it) must not replace the fresh one.
    if (decoded.kind === "tombstone") {
      if (decoded.member !== this.#options.member) this.#latest.delete(decoded.member);
    } else if (decoded.record.member !== this.#options.member || !this.#latest.has(decoded.record.member)) {
      this.#latest.set(decoded.record.member, { record: decoded.record, receivedAt: this.#now() });
    }
    this.#changed = true;
  }
}
