/**
 * The demo's child processes: the dev broker binary and vecstream (`tsx src/main.ts`).
 *
 * Both run in their own process group (`detached`), so the Ctrl-C a terminal sends to the foreground
 * group reaches only the demo, which then stops them in order: vecstream first (SIGTERM: it finishes
 * its batch and writes a snapshot while Kafka is still there), then the broker. An exit hook kills
 * whatever is still running if the demo itself dies.
 */

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import {
  DEV_BROKER_BINARY,
  devBrokerUnavailableReason,
  isDevBrokerAvailable,
} from "../test/support/dev-broker.js";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) if (child.exitCode === null) child.kill("SIGKILL");
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Lines of a child's stdout, each handed to `onLine` until it returns a value, which resolves. */
function firstLine<T>(
  child: ChildProcess,
  what: string,
  onLine: (line: string) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const value = onLine(line);
      if (value !== undefined) resolve(value);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited with ${code} during start`)));
  });
}

/** Builds (when needed) and starts the dev broker with `topics`; resolves with its bootstrap list. */
export async function startBroker(
  topics: { name: string; partitions: number }[],
): Promise<{ child: ChildProcess; bootstrap: string[] }> {
  if (!isDevBrokerAvailable()) throw new Error(`dev broker unavailable: ${devBrokerUnavailableReason()}`);
  const args = ["--ignore-stdin", ...topics.flatMap((t) => ["--topic", `${t.name}:${t.partitions}`])];
  const child = track(
    spawn(DEV_BROKER_BINARY, args, { detached: true, stdio: ["ignore", "pipe", "ignore"] }),
  );
  const bootstrap = await firstLine(child, "dev broker", (line) =>
    line.startsWith("BOOTSTRAP ") ? line.slice("BOOTSTRAP ".length).trim().split(",") : undefined,
  );
  return { child, bootstrap };
}

interface LogEntry {
  level?: number;
  msg?: string;
  url?: string;
  path?: string;
  bytes?: number;
}

/** Starts vecstream; resolves with its URL once logged. Warnings, errors and snapshots are echoed. */
export function startVecstream(
  root: string,
  configPath: string,
  say: (line: string) => void,
): Promise<{ child: ChildProcess; url: string }> {
  const child = track(
    // `node --import tsx` rather than the tsx wrapper, so the pid we signal is vecstream itself.
    spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: root,
      env: { ...process.env, VECSTREAM_CONFIG: configPath },
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );
  return firstLine(child, "vecstream", (line) => {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      say(line);
      return undefined;
    }
    if ((entry.level ?? 0) >= 40) say(`  vecstream: ${line}`);
    if (entry.msg === "snapshot written")
      say(`  vecstream: snapshot written: ${entry.path} (${entry.bytes} bytes)`);
    return entry.msg === "vecstream started" && entry.url ? { child, url: entry.url } : undefined;
  });
}

/**
 * Calls `handler` on the first SIGINT, SIGTERM or SIGHUP (Ctrl-C, kill, a closed terminal); a second
 * signal exits at once. Without this a signal would end the demo before it stops its children.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): void {
  let seen = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (seen) process.exit(130);
      seen = true;
      handler(signal);
    });
  }
}

/** Sends `signal` and resolves with the exit code. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.kill(signal);
  });
}
