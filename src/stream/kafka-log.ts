/**
 * Routes kafkajs's own log lines into the service's pino logger, so there is one log stream with one
 * format. kafkajs levels: 1 error, 2 warn, 4 info, 5 debug (0 is "nothing").
 */

import { logLevel, type logCreator } from "kafkajs";
import type { Logger } from "pino";

export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.info(fields, message);
      else logger.debug(fields, message);
    };
}

/** The kafkajs level that lets through what pino at `level` would print. */
export function kafkaLogLevel(level: string): logLevel {
  switch (level) {
    case "trace":
    case "debug":
      return logLevel.DEBUG;
    case "info":
      return logLevel.INFO;
    case "warn":
      return logLevel.WARN;
    case "silent":
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}
