/**
 * The Kafka source: one kafkajs consumer-group member over the collection topics, handing each
 * fetched record batch to `onBatch`, in the manner of kafkajs's own `runner.js`.
 *
 * Contract:
 * - On every group join, each assigned partition is sought to `startOffset(topic, partition)` (ingest
 *   passes the collection's applied offset + 1: the collection, restored from its snapshot, is the
 *   source of truth; group commits only serve lag monitoring).
 * - `eachBatch` runs with `eachBatchAutoResolve: false`. It awaits `onBatch(batch)` (the batch applied
 *   or dead-lettered) before it resolves the batch's last offset and commits; kafkajs awaits the
 *   handler before fetching again, so fetching stays bounded. It heartbeats while it waits, so a slow
 *   apply does not cost the group membership. A rejected `onBatch` is thrown to kafkajs.
 * - A batch is not handed on when it is stale (a seek is pending) or the consumer is stopping; it is
 *   not resolved either, so it is fetched again.
 * - Membership (`membership()`): the member counts as in the group only while its last successful
 *   join or heartbeat is younger than the session timeout (less a margin for the round trip): the
 *   broker evicts a member that stops heartbeating (a stalled event loop), and kafkajs learns of it
 *   only at its next failed heartbeat. Until then this member must not claim its partitions.
 * - Retriable kafkajs errors are retried by kafkajs (and a crash with `restart: true` restarts the
 *   consumer); a crash without restart goes to `onCrash`.
 */

import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from "kafkajs";
import type { Logger } from "pino";
import { toRecordBatch, type RecordBatch } from "./batch.js";

/** One fetched batch. */
export interface SourceBatch {
  batch: RecordBatch;
  /** Pauses fetching this partition; returns kafkajs's resume closure. */
  pause(): () => void;
}

/** Where this member stands in its consumer group. */
export interface Membership {
  /** Joined, and the last join or heartbeat is recent enough that the broker still counts us. */
  current: boolean;
  /** `Date.now()` of the last successful join or heartbeat; undefined before the first join. */
  lastAliveMs: number | undefined;
  /** Partitions per topic from the last join (empty before it). */
  assignment: ReadonlyMap<string, readonly number[]>;
}

export interface KafkaSourceOptions {
  kafka: Kafka;
  groupId: string;
  topics: readonly string[];
  /** Offset (decimal string) to fetch next on a newly assigned partition. */
  startOffset(topic: string, partition: number): string;
  /** Told the partitions of each topic assigned to this member after every group join. */
  onAssigned?(assignment: ReadonlyMap<string, readonly number[]>): void;
  /** Handles one batch; the returned promise settles once it is applied (or failed). */
  onBatch(batch: SourceBatch): Promise<void>;
  onCrash(err: Error): void;
  logger: Logger;
  /** kafkajs consumer tuning (session timeout, fetch sizes...); `groupId` comes from above. */
  consumerConfig?: Omit<ConsumerConfig, "groupId">;
  /** Partitions processed at once (kafkajs default 1; ingest passes all of them, capped at 32). */
  partitionsConsumedConcurrently?: number;
  /** How often to heartbeat while a batch is being applied (ms). */
  heartbeatIntervalMs?: number;
  /** kafkajs `maxWaitTimeInMs` (default 500); `consumerConfig.maxWaitTimeInMs` overrides it. */
  fetchMaxWaitMs?: number;
}

const DEFAULT_MAX_WAIT_MS = 500;
/** kafkajs's default session timeout. */
const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
/** Margin under the session timeout: our heartbeat's response reaches us after the broker saw it. */
const MEMBERSHIP_MARGIN_MS = 1_000;

export class KafkaSource {
  readonly #o: KafkaSourceOptions;
  readonly #consumer: Consumer;
  /** The commit shared by the batches settled in the current turn (see #commitResolved). */
  #sharedCommit: Promise<void> | undefined;
  #joined = false;
  #lastAliveMs: number | undefined;
  #assignment: ReadonlyMap<string, readonly number[]> = new Map();

  constructor(options: KafkaSourceOptions) {
    this.#o = options;
    this.#consumer = options.kafka.consumer({
      // kafkajs sleeps maxWaitTimeInMs (default 5 s) when every assigned partition is paused, so its
      // default would stall ingest for up to 5 s after each backpressure pause; a fetch still returns
      // as soon as data arrives, so a shorter long-poll only costs an idle fetch twice a second.
      maxWaitTimeInMs: options.fetchMaxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      ...options.consumerConfig,
      groupId: options.groupId,
    });
    const { GROUP_JOIN, HEARTBEAT, CRASH, STOP, DISCONNECT } = this.#consumer.events;
    this.#consumer.on(GROUP_JOIN, ({ payload }) => this.#onJoin(payload.memberAssignment));
    this.#consumer.on(HEARTBEAT, () => (this.#lastAliveMs = Date.now()));
    const leave = () => (this.#joined = false);
    this.#consumer.on(STOP, leave);
    this.#consumer.on(DISCONNECT, leave);
    this.#consumer.on(CRASH, ({ payload }) => {
      leave();
      if (payload.restart) {
        options.logger.warn({ err: payload.error.message }, "kafka consumer crashed; kafkajs restarts it");
        return;
      }
      options.onCrash(payload.error);
    });
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    // fromBeginning: a partition with neither an applied offset nor a start bound starts at the earliest.
    await this.#consumer.subscribe({ topics: [...this.#o.topics], fromBeginning: true });
    await this.#consumer.run({
      eachBatchAutoResolve: false,
      // Every resolved batch is committed at once, so stop() leaves the group's offsets current.
      autoCommitThreshold: 1,
      partitionsConsumedConcurrently: this.#o.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Stops fetching, waits for the batches in hand, leaves the group and disconnects. */
  async stop(): Promise<void> {
    this.#joined = false;
    await this.#consumer.disconnect();
  }

  /** See the module doc; `now` is injectable for tests. */
  membership(now = Date.now()): Membership {
    const session = this.#o.consumerConfig?.sessionTimeout ?? DEFAULT_SESSION_TIMEOUT_MS;
    const fresh = this.#lastAliveMs !== undefined && now - this.#lastAliveMs < session - MEMBERSHIP_MARGIN_MS;
    return { current: this.#joined && fresh, lastAliveMs: this.#lastAliveMs, assignment: this.#assignment };
  }

  #onJoin(assignment: Record<string, number[]>): void {
    this.#joined = true;
    this.#lastAliveMs = Date.now();
    const byTopic = new Map<string, readonly number[]>();
    for (const topic of this.#o.topics) byTopic.set(topic, assignment[topic] ?? []);
    this.#assignment = byTopic;
    this.#o.logger.info({ assignment: Object.fromEntries(byTopic) }, "kafka partitions assigned");
    // Told first, so a partition it must restore before reading (pausePartitions) is not fetched.
    this.#o.onAssigned?.(byTopic);
    for (const [topic, partitions] of byTopic) {
      for (const partition of partitions) this.seek(topic, partition, this.#o.startOffset(topic, partition));
    }
  }

  /** Stops fetching these partitions until `resumePartitions` (a restore in progress). */
  pausePartitions(topic: string, partitions: readonly number[]): void {
    if (partitions.length > 0) this.#consumer.pause([{ topic, partitions: [...partitions] }]);
  }

  resumePartitions(topic: string, partitions: readonly number[]): void {
    if (partitions.length > 0) this.#consumer.resume([{ topic, partitions: [...partitions] }]);
  }

  /** Fetches `partition` from `offset` (a decimal string) next. */
  seek(topic: string, partition: number, offset: string): void {
    this.#consumer.seek({ topic, partition, offset });
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    if (payload.isStale() || !payload.isRunning()) return;
    const batch = toRecordBatch(payload.batch);
    const settled = this.#o.onBatch({ batch, pause: payload.pause });
    const beat = setInterval(() => {
      // A failed heartbeat (e.g. a rebalance) is found again by the next fetch; do not abort the apply.
      payload
        .heartbeat()
        .catch((err: Error) => this.#o.logger.debug({ err: err.message }, "heartbeat failed"));
    }, this.#o.heartbeatIntervalMs ?? 3000);
    try {
      await settled;
    } finally {
      clearInterval(beat);
    }
    payload.resolveOffset(String(batch.lastOffset));
    await this.#commitResolved(payload);
  }

  /**
   * Commits every resolved offset once for all the batches that settle in the same event-loop turn
   * (the partitions of one fetch settle together, from one writer chunk). One commit each was one
   * OffsetCommit round trip per partition before kafkajs fetches again: on the dev broker with 13
   * partitions, ~28 ms of a ~40 ms gap between chunks (bench/stream/ingest-overhead.ts). Each handler
   * still awaits the commit, so stop() leaves the group's offsets current as before.
   */
  #commitResolved(payload: EachBatchPayload): Promise<void> {
    this.#sharedCommit ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#sharedCommit = undefined;
      return payload.commitOffsetsIfNecessary();
    });
    return this.#sharedCommit;
  }
}
