/**
 * vecstream as the streaming benchmark runs it: the same `startService` with the configuration
 * `src/main.ts` loads (default.json + `VECSTREAM_CONFIG` + environment), with one difference: the
 * kafkajs consumer's `maxWaitTimeInMs` is `VECSTREAM_BENCH_FETCH_MAX_WAIT_MS` (default 200, as in
 * `DEV_BROKER_CONSUMER_SETTINGS`) instead of kafkajs's 5000.
 *
 * Why: the dev broker (librdkafka's mock cluster) answers a fetch that finds no new data only after the
 * full max wait, even when records arrive meanwhile; a real broker answers as soon as `minBytes` (1) is
 * there. With the default, a caught-up service sees new upserts in chunks up to 5 s apart (measured:
 * one message every 100 ms, delivery p50 3.1 s at 5000 ms vs 0.12 s at 200 ms), and the benchmark
 * would report the mock's wait, not vecstream's freshness. Logs go to stdout as pino JSON, with
 * `vecstream started` once HTTP listens; an ingest failure exits 1. There is no graceful shutdown:
 * the benchmark kills it (its data dir is temporary).
 */

import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService } from "../../src/service.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
const maxWaitTimeInMs = Number(process.env.VECSTREAM_BENCH_FETCH_MAX_WAIT_MS ?? 200);
const service = await startService(config, {
  logger,
  consumer: {
    consumerConfig: {
      sessionTimeout: config.kafka.sessionTimeoutMs,
      heartbeatInterval: config.kafka.heartbeatIntervalMs,
      maxWaitTimeInMs,
    },
    heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
  },
});
service.ingestDone.catch((err: unknown) => {
  logger.fatal({ err }, "ingest failed");
  process.exit(1);
});
service.ready.catch(() => undefined);
logger.info({ url: service.url, maxWaitTimeInMs }, "vecstream started");
