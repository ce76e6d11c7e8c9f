/**
 * `startIngest`: the one entry point the service calls to feed its collections from Kafka.
 *
 *   per collection: KafkaSource (its own consumer group, `<groupId>.<name>`) ─► CollectionWriter
 *   (decode → buffer → one writer applying in order → dead-letter) ─► offsets resolved and committed
 *
 * Contract:
 * - Returns at once; connecting runs in the background, so the service can serve /healthz while Kafka
 *   is unreachable. Failures (cannot connect, a writer failure, a consumer crash kafkajs does not
 *   restart) call `onError` and reject `done` and, when still pending, `caughtUp`.
 * - Each assigned partition starts at the collection's applied offset + 1, or at the log start.
 * - `caughtUp` resolves once every assigned partition of every collection reached the high watermark
 *   seen at start, minus 1 (empty partitions count as caught up): the service's /readyz.
 * - `stop()` stops fetching, lets the batches in hand finish applying, commits, and disconnects;
 *   `done` then resolves.
 * - Lag (`observer.onLag`, `lag()`) per partition is highWatermark - 1 - last consumed offset (>= 0). It
 *   is reported after each applied batch, and also every `lagPollMs` from the high watermarks the admin
 *   client polls (`LagPoller`, lag-poller.ts), so it stays current while nothing is fetched.
 * - Offsets lost to retention (a position that fell off the log, which kafkajs resets to the log start)
 *   are counted (`observer.onOffsetsSkipped`), logged at error level, and ingest keeps going;
 *   compaction gaps are not counted (`RetentionGapCheck`, retention-gaps.ts).
 */

import { Partitioners, type Admin, type Kafka, type Producer } from "kafkajs";
import type { Logger } from "pino";
import type { Metric } from "../index/types.js";
import { KafkaDeadLetterSink } from "./dead-letter.js";
import { createKafkaClient, type IngestKafkaConfig } from "./kafka-client.js";
import { KafkaSource, type KafkaSourceOptions, type SourceBatch } from "./kafka-source.js";
import { CatchUpTracker, offsetLag, type PartitionBounds } from "./offsets.js";
import { RetentionGapCheck } from "./retention-gaps.js";
import type { CollectionSink, IngestObserver } from "./ops.js";
import { LagPoller, type LagPollTarget } from "./lag-poller.js";
import { CollectionWriter, type PipelineSettings } from "./pipeline.js";
import { ensureTopics, fetchBounds } from "./topics.js";

export type { IngestKafkaConfig } from "./kafka-client.js";

/** A collection as ingest needs it; `Collection` (src/collection.ts) satisfies this as is. */
export type IngestCollection = CollectionSink & { readonly metric: Metric; readonly dlqTopic?: string };

export interface IngestOptions {
  kafka: IngestKafkaConfig;
  collections: readonly IngestCollection[];
  pipeline: PipelineSettings;
  observer: IngestObserver;
  logger: Logger;
  onError?(err: unknown): void;
  /** Interval of the high-watermark poll that keeps lag current without fetches (default 5000 ms). */
  lagPollMs?: number;
  /** Consumer tuning; tests shorten timeouts. Defaults suit production. */
  consumer?: Pick<
    KafkaSourceOptions,
    "consumerConfig" | "partitionsConsumedConcurrently" | "heartbeatIntervalMs"
  >;
}

export interface Ingest {
  caughtUp: Promise<void>;
  /** Messages behind the log end, per collection and partition, as of the last batch. */
  lag(): Map<string, Map<number, number>>;
  stop(): Promise<void>;
  done: Promise<void>;
}

interface Route {
  collection: IngestCollection;
  writer: CollectionWriter;
  bounds: Map<number, PartitionBounds>;
  catchUp: CatchUpTracker;
  lag: Map<number, number>;
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(err: unknown): void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined); // reported through onError; awaiting callers still see the rejection
  return { promise, resolve, reject };
}

/** A configuration ingest cannot run with; thrown by `startIngest` before anything connects. */
export class IngestConfigError extends Error {
  readonly code = "INVALID_INGEST_CONFIG";
  readonly retriable = false;
}

export function startIngest(options: IngestOptions): Ingest {
  const topics = options.collections.map((c) => c.topic);
  const shared = topics.find((t, i) => topics.indexOf(t) !== i);
  if (shared !== undefined) {
    // Batches are routed by topic to one collection's writer; a second collection would get nothing.
    throw new IngestConfigError(`topic ${shared} feeds more than one collection; give each its own topic`);
  }
  if (options.pipeline.lowWaterMark > options.pipeline.highWaterMark) {
    throw new IngestConfigError("pipeline.lowWaterMark must not exceed pipeline.highWaterMark");
  }
  return new IngestRun(options).handle();
}

class IngestRun {
  readonly #o: IngestOptions;
  readonly #log: Logger;
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #routes = new Map<string, Route>();
  readonly #caughtUp = deferred();
  readonly #done = deferred();
  readonly #sources: KafkaSource[] = [];
  #started: Promise<void>;
  #stopping: Promise<void> | undefined;
  readonly #lagPoller: LagPoller;
  readonly #gaps: RetentionGapCheck;

  constructor(options: IngestOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "ingest" });
    this.#kafka = createKafkaClient(options.kafka, this.#log);
    this.#admin = this.#kafka.admin();
    this.#producer = this.#kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.#lagPoller = new LagPoller({
      admin: this.#admin,
      intervalMs: options.lagPollMs ?? DEFAULT_LAG_POLL_MS,
      logger: this.#log,
      targets: () => [...this.#routes.values()].map((route) => this.#lagTarget(route)),
    });
    this.#gaps = new RetentionGapCheck(this.#admin, options.observer, this.#log);
    this.#started = this.#start().catch((err: unknown) => this.#fail(err));
  }

  handle(): Ingest {
    return {
      caughtUp: this.#caughtUp.promise,
      lag: () => new Map([...this.#routes].map(([, r]) => [r.collection.name, new Map(r.lag)])),
      stop: () => this.#stop(),
      done: this.#done.promise,
    };
  }

  async #start(): Promise<void> {
    await this.#admin.connect();
    const { collections } = this.#o;
    await ensureTopics(
      this.#admin,
      [...collections.map((c) => c.topic), ...collections.map(dlqTopicOf)],
      this.#log,
    );
    await this.#producer.connect();
    const deadLetters = new KafkaDeadLetterSink(this.#producer);
    for (const collection of collections) {
      this.#addRoute(collection, await fetchBounds(this.#admin, collection.topic), deadLetters);
    }
    if (this.#stopping) return;
    this.#lagPoller.start();
    for (const route of this.#routes.values()) this.#sources.push(this.#createSource(route));
    await Promise.all(this.#sources.map((source) => source.start()));
  }

  /**
   * One consumer (and group) per collection: kafkajs fetches from a broker again only once every
   * batch of the previous fetch is handled, so a shared consumer would tie every collection to the
   * pace of the slowest. The group is `<groupId>.<collection name>`.
   */
  #createSource(route: Route): KafkaSource {
    const source = new KafkaSource({
      kafka: this.#kafka,
      groupId: `${this.#o.kafka.groupId}.${route.collection.name}`,
      topics: [route.collection.topic],
      startOffset: (topic, partition) => this.#startOffset(topic, partition),
      onAssigned: (assignment) => this.#onAssigned(assignment),
      onCrash: (err) => this.#fail(err),
      logger: this.#log.child({ collection: route.collection.name }),
      // Every partition of the topic at once (capped): batches of one fetch are then handled together.
      partitionsConsumedConcurrently: Math.max(1, Math.min(MAX_PARTITIONS_IN_FLIGHT, route.bounds.size)),
      fetchMaxWaitMs: this.#o.kafka.fetchMaxWaitMs,
      ...this.#o.consumer,
    });
    source.batches.subscribe((sb) => this.#onBatch(sb));
    return source;
  }

  #addRoute(
    collection: IngestCollection,
    bounds: Map<number, PartitionBounds>,
    deadLetters: KafkaDeadLetterSink,
  ): void {
    const writer = new CollectionWriter({
      sink: collection,
      metric: collection.metric,
      topic: collection.topic,
      dlqTopic: dlqTopicOf(collection),
      deadLetters,
      observer: this.#o.observer,
      settings: this.#o.pipeline,
      logger: this.#log.child({ collection: collection.name }),
      onError: (err) => this.#fail(err),
    });
    const route = { collection, writer, bounds, catchUp: new CatchUpTracker(bounds), lag: new Map() };
    this.#routes.set(collection.topic, route);
    // Lag before the first batch: from the log bounds and what the collection restored.
    for (const [partition, b] of bounds) {
      const applied = collection.appliedOffsets().get(partition);
      this.#reportLag(route, partition, offsetLag(b.high, applied, b.low));
      if (applied !== undefined && applied >= b.high) {
        // Offsets at or past the log end: the topic was recreated or truncated under the snapshot.
        // Messages up to `applied` will be taken for replays and skipped; say so loudly.
        this.#log.warn(
          { collection: collection.name, partition, applied, highWatermark: b.high },
          "collection is ahead of its topic; was the topic recreated? rebuild from an empty data dir",
        );
      }
    }
  }

  #startOffset(topic: string, partition: number): string {
    const route = this.#routes.get(topic);
    const applied = route?.collection.appliedOffsets().get(partition);
    if (applied !== undefined) return String(applied + 1);
    // Nothing applied: the log start seen at start (an out-of-range offset resets to the earliest).
    return String(route?.bounds.get(partition)?.low ?? 0);
  }

  #onAssigned(assignment: ReadonlyMap<string, readonly number[]>): void {
    for (const [topic, partitions] of assignment) this.#routes.get(topic)?.catchUp.assign(partitions);
    this.#checkCaughtUp();
  }

  #onBatch(sb: SourceBatch): void {
    const route = this.#routes.get(sb.batch.topic);
    if (route === undefined) {
      sb.fail(new Error(`no collection reads topic ${sb.batch.topic}`));
      return;
    }
    this.#checkGap(route, sb);
    route.writer.push(sb).then(() => {
      const { partition, highWatermark } = sb.batch;
      this.#reportLag(route, partition, offsetLag(highWatermark, this.#consumed(route).get(partition)));
      this.#checkCaughtUp();
      sb.complete();
    }, sb.fail);
  }

  /** Offsets lost to retention (retention-gaps.ts): checked before the batch is applied. */
  #checkGap(route: Route, sb: SourceBatch): void {
    const { partition, messages } = sb.batch;
    const consumed = this.#consumed(route).get(partition);
    this.#gaps.check({
      collection: route.collection.name,
      topic: route.collection.topic,
      partition,
      expected: consumed !== undefined ? consumed + 1 : route.bounds.get(partition)?.low,
      firstOffset: messages.length > 0 ? Number(messages[0].offset) : undefined,
    });
  }

  /** The last consumed offset per partition: the collection's applied offsets, or further (filtered records). */
  #consumed(route: Route): Map<number, number> {
    const out = new Map(route.collection.appliedOffsets());
    for (const [partition, offset] of route.writer.lastConsumed) {
      const applied = out.get(partition);
      if (applied === undefined || offset > applied) out.set(partition, offset);
    }
    return out;
  }

  #lagTarget(route: Route): LagPollTarget {
    return {
      topic: route.collection.topic,
      consumed: () => this.#consumed(route),
      report: (partition, lag) => this.#reportLag(route, partition, lag),
    };
  }

  #reportLag(route: Route, partition: number, lag: number): void {
    route.lag.set(partition, lag);
    this.#o.observer.onLag(route.collection.name, partition, lag);
  }

  #checkCaughtUp(): void {
    for (const route of this.#routes.values()) {
      if (!route.catchUp.update(this.#consumed(route))) return;
    }
    if (this.#routes.size > 0) this.#caughtUp.resolve();
  }

  #fail(err: unknown): void {
    if (this.#stopping) return;
    this.#lagPoller.stop();
    this.#log.error({ err }, "ingest failed");
    this.#o.onError?.(err);
    this.#caughtUp.reject(err);
    this.#stopping = this.#shutdown().then(
      () => this.#done.reject(err),
      () => this.#done.reject(err),
    );
  }

  #stop(): Promise<void> {
    this.#lagPoller.stop();
    this.#stopping ??= this.#started
      .then(() => this.#shutdown())
      .then(
        () => this.#done.resolve(),
        (err: unknown) => this.#done.reject(err),
      );
    return this.#stopping;
  }

  /** Consumer first (it waits for the batches in hand), then the writers drain, then the clients. */
  async #shutdown(): Promise<void> {
    this.#lagPoller.stop();
    await Promise.allSettled(this.#sources.map((source) => source.stop()));
    await Promise.allSettled([...this.#routes.values()].map((r) => r.writer.complete()));
    await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    this.#log.info("ingest stopped");
  }
}

const DEFAULT_LAG_POLL_MS = 5000;

/** Cap on batches handled at once; beyond it more concurrency only adds memory in flight. */
const MAX_PARTITIONS_IN_FLIGHT = 32;

function dlqTopicOf(c: IngestCollection): string {
  return c.dlqTopic ?? `${c.topic}.dlq`;
}
