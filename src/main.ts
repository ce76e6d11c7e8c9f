/**
 * The vecstream process: load the configuration, start the service, shut down gracefully.
 *
 * Contract: an invalid configuration exits 2 with the field named on stderr. SIGTERM or SIGINT stops
 * fetching, lets the batch in hand finish, snapshots every collection, closes HTTP and Kafka, and
 * exits 0; a second signal during that exits 130 at once. An ingest failure (Kafka unreachable past
 * its retries, a writer error) shuts down the same way and exits 1, so a supervisor restarts us and
 * the restart resumes from the snapshot and the applied offsets.
 */

import { ConfigError, loadConfig } from "./config.js";
import type { Config } from "./config.js";
import { createLogger } from "./logger.js";
import { startService } from "./service.js";

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const service = await startService(config, { logger });

  let shuttingDown = false;
  const shutdown = (reason: string, exitCode: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ reason }, "shutting down");
    service.stop().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        logger.warn({ signal }, "second signal: exiting without waiting");
        process.exit(130);
      }
      shutdown(signal, 0);
    });
  }
  service.ingestDone.catch((err: unknown) => {
    logger.fatal({ err }, "ingest failed");
    shutdown("ingest failure", 1);
  });
  service.ready.catch(() => undefined);
  logger.info({ url: service.url, collections: config.collections.map((c) => c.name) }, "vecstream started");
}

main().catch((err: unknown) => {
  process.stderr.write(`vecstream: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
