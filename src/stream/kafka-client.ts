/**
 * The kafkajs client ingest connects with, built from the service's `kafka` configuration.
 *
 * Contract: TLS is off unless `ssl` is given (kafkajs's own `ssl`: a boolean, or TLS options holding
 * file contents, read by config.ts `readKafkaTls`); SASL only when configured; a 3 s connection timeout
 * unless set; kafkajs's retry policy unless one is given. kafkajs logs into the service's pino logger
 * (child `component: "kafkajs"`) at the level that logger prints, so there is one log stream.
 */

import { Kafka, type KafkaConfig, type RetryOptions, type SASLOptions } from "kafkajs";
import type { ConnectionOptions } from "node:tls";
import type { Logger } from "pino";
import { kafkaLogLevel, pinoLogCreator } from "./kafka-log.js";

export interface IngestKafkaConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  /** kafkajs's `ssl`: a boolean, or TLS options with file contents (config.ts `readKafkaTls`). */
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions | null;
  connectionTimeoutMs?: number;
  /** The consumer's fetch long-poll (kafkajs `maxWaitTimeInMs`); kafka-source.ts on why not 5 s. */
  fetchMaxWaitMs?: number;
  /** kafkajs retry policy (tests shorten it); kafkajs defaults otherwise. */
  retry?: RetryOptions;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 3000;

export function createKafkaClient(kafka: IngestKafkaConfig, log: Logger): Kafka {
  const { brokers, clientId, ssl, sasl, connectionTimeoutMs, retry } = kafka;
  const config: KafkaConfig = {
    brokers,
    clientId,
    ssl: ssl ?? false,
    connectionTimeout: connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    logLevel: kafkaLogLevel(log.level),
    logCreator: pinoLogCreator(log.child({ component: "kafkajs" })),
  };
  if (sasl) config.sasl = sasl;
  if (retry) config.retry = retry;
  return new Kafka(config);
}
