/**
 * kafkajs clients on the dev broker for tests, and a broker started with a collection's topics.
 *
 * Contract: everything started here is registered on the caller's cleanup list (run in reverse order
 * after each test, so clients disconnect before their broker stops); clients log nothing and retry
 * fast by default, since the mock answers in microseconds and kafkajs's default 300 ms first backoff
 * would only slow the tests down.
 */
import { Kafka, Partitioners, logLevel } from "kafkajs";
import type { Producer, RetryOptions } from "kafkajs";
import { startDevBroker } from "./dev-broker.js";
import type { DevBroker } from "./dev-broker.js";

/** A test's list of teardown steps (an array its `afterEach` empties in reverse). */
export interface CleanupList {
  push(cleanup: () => Promise<void>): unknown;
}

export const FAST_RETRY: RetryOptions = Object.freeze({
  retries: 20,
  initialRetryTime: 50,
  maxRetryTime: 500,
});

/**
 * Starts a dev broker holding `topic` with `partitions` partitions and, unless `dlq` is false, its
 * dead-letter topic `<topic>.dlq` with one partition (the name vecstream derives by default).
 */
export async function startBrokerWithTopic(
  cleanups: CleanupList,
  topic: string,
  options: { partitions?: number; dlq?: boolean } = {},
): Promise<DevBroker> {
  const topics = [{ name: topic, partitions: options.partitions ?? 1 }];
  if (options.dlq !== false) topics.push({ name: `${topic}.dlq`, partitions: 1 });
  const broker = await startDevBroker({ topics });
  cleanups.push(() => broker.stop());
  return broker;
}

/** A silent kafkajs client on `broker`. */
export function kafkaClient(broker: DevBroker, clientId: string, retry: RetryOptions = FAST_RETRY): Kafka {
  return new Kafka({ clientId, brokers: broker.bootstrap, logLevel: logLevel.NOTHING, retry });
}

/** A connected producer (default partitioner: keys hash as in Java clients), disconnected at cleanup. */
export async function connectedProducer(kafka: Kafka, cleanups: CleanupList): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return producer;
}
