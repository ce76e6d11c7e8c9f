/**
 * Test and demo harness for the dev broker (`tools/dev-broker`): librdkafka's mock Kafka cluster on
 * 127.0.0.1, driven over a line protocol on its standard input.
 *
 * Contract:
 * - `startDevBroker()` builds the binary with make when it is missing or older than its source, spawns
 *   it, and resolves once it prints its `BOOTSTRAP` line; it rejects with a `DevBrokerError` (stderr
 *   included) if the broker exits first or does not get ready within `startTimeoutMs`.
 * - Commands are answered in order, one line each; `command()` resolves with the text after `OK` and
 *   rejects with `DEV_BROKER_COMMAND_FAILED` on `ERR`.
 * - `stop()` ends the broker (SIGTERM, then SIGKILL if it lingers) and is idempotent. A broker is never
 *   left orphaned: this module kills every live broker when the Node process exits, and the broker
 *   itself exits when its stdin closes or its parent dies, which covers a parent killed outright.
 * - Nothing is written to disk except the binary under `tools/dev-broker/build/`.
 */
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DevBrokerError, ReplyQueue } from "./dev-broker-protocol.js";
import { forgetChild, killOnExit } from "./kill-on-exit.js";
import type { DevBrokerErrorCode } from "./dev-broker-protocol.js";

export { DevBrokerError } from "./dev-broker-protocol.js";
export type { DevBrokerErrorCode } from "./dev-broker-protocol.js";

const TOOL_DIR = fileURLToPath(new URL("../../tools/dev-broker/", import.meta.url));
/** What the binary is built from: when any is newer than the binary, it is rebuilt. */
const BUILD_INPUTS = ["dev-broker.c", "commands.c", "commands.h", "Makefile"].map(
  (file) => `${TOOL_DIR}${file}`,
);
/** Where `make -C tools/dev-broker` puts the broker binary. */
export const DEV_BROKER_BINARY = `${TOOL_DIR}build/dev-broker`;
const STDERR_KEEP_CHARS = 16_384;

export interface DevBrokerTopic {
  name: string;
  partitions: number;
}

export interface DevBrokerOptions {
  topics?: readonly DevBrokerTopic[];
  /** Number of mock brokers, ids 1..brokers (default 1). */
  brokers?: number;
  /** Replication factor of created topics (the broker defaults to min(brokers, 3)). */
  replication?: number;
  startTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Copy the broker's stderr to this process's stderr (also on with DEV_BROKER_VERBOSE=1). */
  verbose?: boolean;
}

/** Protocol request names the broker accepts for error injection; numbers work for any ApiKey. */
export type KafkaApiName =
  | "Produce"
  | "Fetch"
  | "ListOffsets"
  | "Metadata"
  | "OffsetCommit"
  | "OffsetFetch"
  | "FindCoordinator"
  | "JoinGroup"
  | "Heartbeat"
  | "LeaveGroup"
  | "SyncGroup"
  | "ApiVersions"
  | "InitProducerId";

export interface DevBroker {
  /** `host:port` of every mock broker, in broker-id order. */
  readonly bootstrap: string[];
  readonly pid: number;
  /** Sends one command line and resolves with the text after `OK`. */
  command(line: string): Promise<string>;
  createTopic(name: string, partitions: number): Promise<void>;
  brokerDown(brokerId: number): Promise<void>;
  brokerUp(brokerId: number): Promise<void>;
  /** Delays every response of a broker by `ms`. */
  setRtt(brokerId: number, ms: number): Promise<void>;
  setLeader(topic: string, partition: number, brokerId: number): Promise<void>;
  /**
   * Fails the next `count` requests of `api`, cluster-wide, with `code`: a Kafka error name such as
   * `NOT_LEADER_FOR_PARTITION`, `_TRANSPORT` (drop the connection), or a number. Count 0 clears.
   */
  pushRequestErrors(api: KafkaApiName | number, count: number, code: string | number): Promise<void>;
  /** What the broker has written to stderr so far (the last 16 KiB). */
  stderr(): string;
  /** Resolves once the process is gone: often about 1 s, which librdkafka's mock takes to shut down. */
  stop(): Promise<void>;
}

/**
 * kafkajs consumer settings that suit the mock (spread them into `kafka.consumer({...})`). The mock makes
 * a member that joins a group after another member left wait `sessionTimeout - 1 s` for the departed
 * member (kafkajs's default 30 s session gives a 29 s stall), so keep the session short; the first join
 * of a group always waits 3 s (the mock's fixed group.initial.rebalance.delay.ms). A short maxWaitTimeInMs
 * bounds how long `consumer.disconnect()` waits for an in-flight fetch.
 */
export const DEV_BROKER_CONSUMER_SETTINGS = Object.freeze({
  sessionTimeout: 6_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 200,
});

let availability: { available: boolean; reason: string } | undefined;

/**
 * Builds the broker when needed and says whether it can run; the answer is computed once per process.
 * `devBrokerUnavailableReason()` says why not, for a skip message. With VECSTREAM_REQUIRE_DEV_BROKER=1
 * (for CI, where a silently skipped integration suite would hide a broken setup) it throws instead.
 */
export function isDevBrokerAvailable(): boolean {
  availability ??= checkAvailability();
  if (!availability.available && process.env.VECSTREAM_REQUIRE_DEV_BROKER === "1") {
    throw new DevBrokerError("DEV_BROKER_UNAVAILABLE", availability.reason);
  }
  return availability.available;
}

export function devBrokerUnavailableReason(): string {
  availability ??= checkAvailability();
  return availability.reason;
}

function checkAvailability(): { available: boolean; reason: string } {
  const stale =
    !existsSync(DEV_BROKER_BINARY) ||
    BUILD_INPUTS.some((input) => statSync(input).mtimeMs > statSync(DEV_BROKER_BINARY).mtimeMs);
  if (!stale) return { available: true, reason: "" };
  const make = spawnSync("make", ["-s", "-C", TOOL_DIR], { encoding: "utf8", timeout: 120_000 });
  if (make.status === 0 && existsSync(DEV_BROKER_BINARY)) return { available: true, reason: "" };
  const output = `${make.error?.message ?? ""}${make.stdout ?? ""}${make.stderr ?? ""}`.trim();
  return {
    available: false,
    reason:
      `the dev broker could not be built (make -C tools/dev-broker: ${output || `exit ${make.status}`}); ` +
      "run `bash scripts/setup.sh` as root to install gcc, make and librdkafka-dev",
  };
}

export async function startDevBroker(options: DevBrokerOptions = {}): Promise<DevBroker> {
  if (!isDevBrokerAvailable())
    throw new DevBrokerError("DEV_BROKER_UNAVAILABLE", devBrokerUnavailableReason());
  const args = ["--brokers", String(options.brokers ?? 1)];
  if (options.replication !== undefined) args.push("--replication", String(options.replication));
  for (const topic of options.topics ?? []) args.push("--topic", `${topic.name}:${topic.partitions}`);
  const broker = spawnBroker(args, options.verbose ?? process.env.DEV_BROKER_VERBOSE === "1");
  const bootstrap = await readBootstrap(broker, options.startTimeoutMs ?? 10_000);

  const { child, exited } = broker;
  const replies = new ReplyQueue();
  void exited.then((code) => replies.failAll(`the dev broker exited (code ${code})`));
  createInterface({ input: child.stdout }).on("line", (line) => replies.deliver(line));
  const commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
  const command = (line: string): Promise<string> => {
    if (/[\r\n]/.test(line))
      return Promise.reject(new DevBrokerError("DEV_BROKER_COMMAND_FAILED", "one line only"));
    if (child.exitCode !== null || child.signalCode !== null) {
      const why = `the dev broker has exited; cannot run ${line}`;
      return Promise.reject(new DevBrokerError("DEV_BROKER_EXITED", why));
    }
    const reply = replies.expect(line, commandTimeoutMs);
    child.stdin.write(`${line}\n`);
    return reply;
  };
  const run = async (line: string): Promise<void> => {
    await command(line);
  };
  return {
    bootstrap,
    pid: child.pid ?? -1,
    command,
    createTopic: (name, partitions) => run(`topic ${name} ${partitions}`),
    brokerDown: (id) => run(`down ${id}`),
    brokerUp: (id) => run(`up ${id}`),
    setRtt: (id, ms) => run(`rtt ${id} ${ms}`),
    setLeader: (topic, partition, id) => run(`leader ${topic} ${partition} ${id}`),
    pushRequestErrors: (api, count, code) => run(`errors ${api} ${count} ${code}`),
    stderr: broker.stderr,
    stop: () => stopChild(child, exited),
  };
}

interface SpawnedBroker {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (null after a signal or a failed spawn) once the broker is gone. */
  exited: Promise<number | null>;
  stderr(): string;
}

/** Spawns the binary, registers it for the exit hook, and keeps the tail of its stderr. */
function spawnBroker(args: string[], verbose: boolean): SpawnedBroker {
  const child = spawn(DEV_BROKER_BINARY, args, { stdio: ["pipe", "pipe", "pipe"] });
  killOnExit(child);
  let stderrTail = "";
  const exited = new Promise<number | null>((resolve) => {
    // 'close' rather than 'exit': it comes after stdout and stderr are drained, so a startup failure's
    // message is complete when it is reported.
    child.once("close", (code) => {
      forgetChild(child);
      resolve(code);
    });
    child.once("error", (error) => {
      // Only a failed spawn gets here without 'exit' following (a failed kill cannot happen: it is ours).
      stderrTail += `cannot run ${DEV_BROKER_BINARY}: ${error.message}\n`;
      forgetChild(child);
      resolve(null);
    });
  });
  child.stdin.on("error", () => {}); // EPIPE after the broker died is reported through 'exit' instead
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_KEEP_CHARS);
    if (verbose) process.stderr.write(chunk);
  });
  return { child, exited, stderr: () => stderrTail };
}

/** Waits for the `BOOTSTRAP host:port,...` line, racing the broker's exit and a timeout. */
function readBootstrap({ child, exited, stderr }: SpawnedBroker, timeoutMs: number): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    let done = false;
    const fail = (code: DevBrokerErrorCode, why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.kill("SIGKILL");
      reject(new DevBrokerError(code, `${why}; its stderr:\n${stderr() || "(empty)"}`));
    };
    const timer = setTimeout(
      () =>
        fail("DEV_BROKER_START_TIMEOUT", `the dev broker printed no BOOTSTRAP line within ${timeoutMs} ms`),
      timeoutMs,
    );
    let buffered = "";
    // Reads raw chunks rather than through readline so no line after BOOTSTRAP is consumed here.
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0 || done) return;
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stdout.pause();
      const first = buffered.slice(0, newline);
      const rest = buffered.slice(newline + 1);
      if (rest.length > 0) child.stdout.unshift(Buffer.from(rest, "utf8"));
      const match = /^BOOTSTRAP (\S+)$/.exec(first);
      if (!match) {
        fail("DEV_BROKER_EXITED", `the dev broker printed '${first}' instead of a BOOTSTRAP line`);
        return;
      }
      done = true;
      resolve(match[1].split(","));
    };
    child.stdout.on("data", onData);
    void exited.then((code) =>
      fail("DEV_BROKER_EXITED", `the dev broker exited with code ${code} before it was ready`),
    );
  });
}

/** SIGTERM, and SIGKILL if the broker has not exited 5 s later; resolves once it is gone. */
async function stopChild(
  child: ChildProcessWithoutNullStreams,
  exited: Promise<number | null>,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(killer);
}
