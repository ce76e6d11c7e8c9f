/**
 * The dev broker as a process, through its harness: it announces its brokers, answers every command
 * with OK or ERR, exits 0 on end of input and on SIGTERM/SIGINT, and is never left running after the
 * Node process that started it (tests of kafkajs against it are in dev-broker.test.ts).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEV_BROKER_BINARY,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
  startDevBroker,
} from "../support/dev-broker.js";
import type { DevBroker, DevBrokerOptions } from "../support/dev-broker.js";
import { pollUntil } from "../support/wait.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping dev broker process tests: ${devBrokerUnavailableReason()}`);

const TOPIC = "vectors";
const running: DevBroker[] = [];

afterEach(async () => {
  for (const devBroker of running.splice(0)) await devBroker.stop();
});

async function broker(options: DevBrokerOptions): Promise<DevBroker> {
  const started = await startDevBroker(options);
  running.push(started);
  return started;
}

/** Whether a process still runs; a zombie (exited, but its new parent has not reaped it) does not. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/**
 * Starts a Node process that starts a broker through the harness, prints the broker's pid, then runs
 * `then` (JavaScript); resolves with both processes.
 */
async function brokerInChildProcess(then: string) {
  const harness = fileURLToPath(new URL("../support/dev-broker.ts", import.meta.url));
  const script = `const h = await import(process.argv[1]); const b = await h.startDevBroker({}); console.log(b.pid); ${then}`;
  const node = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, harness], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(node.stdout, "data")) as [Buffer];
  return { node, brokerPid: Number(line.toString().trim()) };
}

describe.skipIf(!available)("the dev broker process", () => {
  it("prints one bootstrap address per broker, all on loopback", async () => {
    const devBroker = await broker({ brokers: 3 });
    expect(devBroker.bootstrap).toHaveLength(3);
    for (const address of devBroker.bootstrap) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await devBroker.command("bootstrap")).toBe(devBroker.bootstrap.join(","));
  });

  it("answers each command with OK or ERR and a reason", async () => {
    const devBroker = await broker({ brokers: 3, topics: [{ name: TOPIC, partitions: 2 }] });
    expect(await devBroker.command("ping")).toBe("pong");
    await expect(devBroker.command("explode")).rejects.toMatchObject({ code: "DEV_BROKER_COMMAND_FAILED" });
    await expect(devBroker.command("")).rejects.toThrow(/empty command/);
    await expect(devBroker.brokerDown(9)).rejects.toThrow(/BROKER_NOT_AVAILABLE/);
    await expect(devBroker.createTopic(TOPIC, 2)).rejects.toThrow(/TOPIC_ALREADY_EXISTS/);
    await expect(devBroker.setLeader("no-such-topic", 0, 1)).rejects.toThrow(/UNKNOWN_TOPIC_OR_PART/);
    await expect(devBroker.pushRequestErrors("Produce", 1, "NO_SUCH_ERROR")).rejects.toThrow(/usage/);
    await devBroker.setLeader(TOPIC, 1, 3);
    await devBroker.setRtt(2, 5);
  });

  it("fails to start with the broker's own explanation when a topic spec is invalid", async () => {
    await expect(startDevBroker({ topics: [{ name: "bad", partitions: 0 }] })).rejects.toMatchObject({
      code: "DEV_BROKER_EXITED",
      message: expect.stringMatching(/bad --topic 'bad:0'/),
    });
  });

  it("exits with status 0 when its standard input ends, so a dead parent leaves no orphan", async () => {
    const child = spawn(DEV_BROKER_BINARY, ["--topic", "t:1"], { stdio: ["pipe", "pipe", "ignore"] });
    await once(child.stdout, "data");
    child.stdin.end();
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("is killed with the Node process that started it, even without stop()", async () => {
    const { node, brokerPid } = await brokerInChildProcess("process.exit(0);");
    expect(brokerPid).toBeGreaterThan(0);
    await once(node, "exit");
    await pollUntil(() => !isRunning(brokerPid), 10_000);
    expect(isRunning(brokerPid)).toBe(false);
  });

  it("exits on its own when the Node process that started it is SIGKILLed", async () => {
    const { node, brokerPid } = await brokerInChildProcess("setInterval(() => {}, 1000);");
    expect(isRunning(brokerPid)).toBe(true);
    node.kill("SIGKILL");
    await pollUntil(() => !isRunning(brokerPid), 10_000);
    expect(isRunning(brokerPid)).toBe(false);
  });

  it("stops with its parent process even when told to ignore stdin", async () => {
    // The shell starts the broker in the background, prints its pid and exits half a second later.
    const script = `"$0" --ignore-stdin >/dev/null 2>&1 & echo $!; sleep 0.5`;
    const shell = spawn("sh", ["-c", script, DEV_BROKER_BINARY], { stdio: ["ignore", "pipe", "ignore"] });
    const [line] = (await once(shell.stdout, "data")) as [Buffer];
    const brokerPid = Number(line.toString().trim());
    expect(isRunning(brokerPid)).toBe(true);
    await once(shell, "exit");
    await pollUntil(() => !isRunning(brokerPid), 10_000);
    expect(isRunning(brokerPid)).toBe(false);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("exits with status 0 on %s", async (signal) => {
    const child = spawn(DEV_BROKER_BINARY, ["--brokers", "3"], { stdio: ["pipe", "pipe", "ignore"] });
    await once(child.stdout, "data");
    child.kill(signal);
    const [code, killedBy] = await once(child, "exit");
    expect([code, killedBy]).toEqual([0, null]);
  });

  it("stops through the harness idempotently and refuses commands afterwards", async () => {
    const devBroker = await broker({});
    await devBroker.stop();
    await devBroker.stop();
    expect(isRunning(devBroker.pid)).toBe(false);
    await expect(devBroker.command("ping")).rejects.toMatchObject({ code: "DEV_BROKER_EXITED" });
  });
});
