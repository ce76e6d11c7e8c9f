#!/usr/bin/env node
/**
 * `vecstream-produce`: writes vector upserts and deletes to a collection's topic in the wire format.
 *
 *   vecstream-produce --brokers 127.0.0.1:9092 --topic vecstream.demo upsert --fvecs base.fvecs \
 *       [--id-prefix ""] [--start N] [--limit N] [--rate 1000/s] [--format json|f32]
 *   vecstream-produce ... upsert --ndjson points.ndjson      (lines {"id", "vector", "payload"?})
 *   vecstream-produce ... delete id1 id2 ...  |  delete --ids-from ids.txt
 *
 * Contract: a progress bar goes to stderr when it is a terminal; at the end one JSON line goes to
 * stdout: `{"topic", "sent", "offsets": {"<partition>": <last offset written>}}`, the offsets a script
 * passes as `min_offsets` to read its own writes. Exit status 1 with a one-line message on error.
 */

import { Command, InvalidArgumentError, Option } from "commander";
import cliProgress from "cli-progress";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import type { Message } from "kafkajs";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { WireFormat } from "./encode.js";
import { fvecsShape } from "./fvecs-stream.js";
import { parseRate, RateLimiter } from "./rate.js";
import { OffsetTrackingSender } from "./send.js";
import { countLines, deleteMessages, fvecsMessages, ndjsonMessages } from "./sources.js";

export interface ProduceOptions {
  brokers: string[];
  topic: string;
  clientId: string;
  /** Messages per send request. */
  batchSize: number;
  /** Messages per second, or undefined for as fast as acks allow. */
  rate?: number;
  /** Total messages, for the progress bar (undefined: no total known). */
  total?: number;
  progress: boolean;
}

export interface ProduceSummary {
  topic: string;
  sent: number;
  offsets: Record<string, number>;
}

/** Sends every message of `source` in batches, paced by `rate`; returns what the summary line prints. */
export async function produce(
  source: AsyncIterable<Message>,
  options: ProduceOptions,
): Promise<ProduceSummary> {
  const kafka = new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const bar = options.progress
    ? new cliProgress.SingleBar({ stream: process.stderr, etaBuffer: 50 }, cliProgress.Presets.shades_classic)
    : undefined;
  try {
    await Promise.all([admin.connect(), producer.connect()]);
    const metadata = await admin.fetchTopicMetadata({ topics: [options.topic] });
    const sender = new OffsetTrackingSender(producer, options.topic, metadata.topics[0].partitions);
    const limiter = options.rate === undefined ? undefined : new RateLimiter(options.rate);
    // With a rate, send about 20 times a second so the pace is smooth rather than bursty.
    const batchSize =
      options.rate === undefined
        ? options.batchSize
        : Math.min(options.batchSize, Math.ceil(options.rate / 20));
    bar?.start(options.total ?? 0, 0);
    let batch: Message[] = [];
    const flush = async () => {
      const wait = limiter?.delayBefore(batch.length) ?? 0;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await sender.send(batch);
      batch = [];
      bar?.update(sender.sent);
    };
    for await (const message of source) {
      batch.push(message);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return { topic: options.topic, sent: sender.sent, offsets: sender.lastOffsets() };
  } finally {
    bar?.stop();
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
  }
}

function positiveInt(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

function rateOption(text: string): number {
  try {
    return parseRate(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

interface GlobalFlags {
  brokers: string;
  topic: string;
  clientId: string;
  batchSize: number;
  progress: boolean;
}

interface UpsertFlags {
  fvecs?: string;
  ndjson?: string;
  idPrefix: string;
  start: number;
  limit?: number;
  rate?: number;
  format: WireFormat;
}

interface Input {
  source: AsyncIterable<Message>;
  total: number;
}

/** The messages an `upsert` invocation sends, or undefined when it names no input file. */
async function upsertInput(o: UpsertFlags): Promise<Input | undefined> {
  if (o.fvecs !== undefined) {
    const { rows } = await fvecsShape(o.fvecs);
    const end = Math.min(rows, o.limit === undefined ? rows : o.start + o.limit);
    const source = fvecsMessages(o.fvecs, {
      start: o.start,
      limit: o.limit,
      idPrefix: o.idPrefix,
      format: o.format,
    });
    return { source, total: Math.max(0, end - o.start) };
  }
  if (o.ndjson !== undefined) {
    return { source: ndjsonMessages(o.ndjson, o.format), total: await countLines(o.ndjson) };
  }
  return undefined;
}

function globalOptions(program: Command, rate: number | undefined, total: number): ProduceOptions {
  const g = program.opts<GlobalFlags>();
  const brokers = g.brokers
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  const progress = g.progress && process.stderr.isTTY === true;
  return { brokers, topic: g.topic, clientId: g.clientId, batchSize: g.batchSize, rate, total, progress };
}

/** The commander program; `out` receives the summary line (injectable so tests need no subprocess). */
export function buildProgram(out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Command {
  const program = new Command("vecstream-produce")
    .description("Write vector upserts and deletes to a vecstream collection topic.")
    .requiredOption("--brokers <list>", "comma-separated bootstrap brokers", "127.0.0.1:9092")
    .requiredOption("--topic <name>", "the collection's topic")
    .option("--client-id <id>", "Kafka client id", "vecstream-produce")
    .option("--batch-size <n>", "messages per send request", positiveInt("--batch-size"), 500)
    .option("--no-progress", "no progress bar even on a terminal")
    .showHelpAfterError();
  const run = async ({ source, total }: Input, rate: number | undefined) => {
    out(JSON.stringify(await produce(source, globalOptions(program, rate, total))));
  };

  program
    .command("upsert")
    .description("upsert vectors from an .fvecs file (ids <prefix><row>) or an NDJSON file")
    .addOption(new Option("--fvecs <file>", "TEXMEX float vectors").conflicts("ndjson"))
    .addOption(new Option("--ndjson <file>", 'lines {"id", "vector", "payload"?}'))
    .option("--id-prefix <prefix>", "id prefix for fvecs rows", "")
    .option("--start <n>", "first fvecs row", positiveInt("--start"), 0)
    .option("--limit <n>", "rows to send at most", positiveInt("--limit"))
    .option("--rate <rate>", "messages per second, e.g. 1000/s", rateOption)
    .addOption(new Option("--format <format>", "wire format").choices(["json", "f32"]).default("json"))
    .action(async (o: UpsertFlags) => {
      const input = await upsertInput(o);
      if (input === undefined) program.error("upsert needs --fvecs <file> or --ndjson <file>");
      else await run(input, o.rate);
    });

  program
    .command("delete")
    .description("delete points by id (Kafka tombstones)")
    .argument("[ids...]", "ids to delete")
    .option("--ids-from <file>", "a file with one id per line")
    .option("--rate <rate>", "messages per second, e.g. 1000/s", rateOption)
    .action(async (ids: string[], o: { idsFrom?: string; rate?: number }) => {
      if (ids.length === 0 && o.idsFrom === undefined) program.error("delete needs ids or --ids-from <file>");
      const total = ids.length + (o.idsFrom === undefined ? 0 : await countLines(o.idsFrom));
      await run({ source: deleteMessages(ids, o.idsFrom), total }, o.rate);
    });
  return program;
}

/** True when this file is the program (also through an npm `bin` symlink), false when imported. */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`vecstream-produce: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
