/**
 * `startIngest` options for tests against the dev broker: small batches and buffers, a silent logger,
 * the consumer settings the mock needs (DEV_BROKER_CONSUMER_SETTINGS, a 500 ms heartbeat) and fast
 * retries. Tests spread their own fields (onError, lagPollMs, collections...) over the result.
 */
import type { IngestCollection, IngestOptions } from "../../../src/stream/ingest.js";
import type { IngestObserver } from "../../../src/stream/observer.js";
import { DEV_BROKER_CONSUMER_SETTINGS } from "../../support/dev-broker.js";
import type { DevBroker } from "../../support/dev-broker.js";
import { FAST_RETRY } from "../../support/kafka-clients.js";
import { silentLogger } from "./memory-sink.js";

export function devBrokerIngestOptions(
  broker: DevBroker,
  collection: IngestCollection,
  observer: IngestObserver,
  client: { clientId: string; groupId: string },
): IngestOptions {
  return {
    kafka: { brokers: broker.bootstrap, ...client, retry: FAST_RETRY },
    collections: [collection],
    pipeline: {
      batchMaxMessages: 50,
      batchMaxMs: 10,
      highWaterMark: 1000,
      lowWaterMark: 100,
      maxMessageBytes: 1 << 16,
    },
    observer,
    logger: silentLogger,
    consumer: { consumerConfig: { ...DEV_BROKER_CONSUMER_SETTINGS }, heartbeatIntervalMs: 500 },
  };
}
