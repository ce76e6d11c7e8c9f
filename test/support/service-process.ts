/**
 * Runs vecstream as a real process (`node --import tsx src/main.ts`) for tests that must kill it:
 * crash recovery, broker faults, anything that needs the process boundary.
 *
 * Contract:
 * - `new ServiceProcess(config)` writes `config` (merged by the service over `config/default.json`) to
 *   `config.json` in a fresh temp dir; `dataDir` defaults to `<dir>/data` and `http.port` to 0.
 * - `start()` spawns the process and resolves once it logged `vecstream started` (HTTP listens, so the
 *   URL is known; hence the config's `logLevel` must be info, debug or trace); it rejects with the log tail if the process exits first or takes over `startTimeoutMs`.
 *   `waitReady()` then polls `/readyz` until 200.
 * - `kill(signal)` sends the signal to vecstream itself (tsx is loaded with `--import`, there is no
 *   wrapper process) and resolves with the exit code and signal once it is gone. SIGKILL is a crash:
 *   no shutdown hook runs. `restart()` is `kill` + `start` on the same config and data dir.
 * - Log lines (pino JSON) of every run are kept in `logs` (bounded) for assertions.
 * - `close()` SIGKILLs a process still running and removes the temp dir; a test's `afterEach` calls it.
 *   Processes are also SIGKILLed when the test process exits, so none is ever orphaned.
 */

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { forgetChild, killOnExit } from "./kill-on-exit.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAX_LOG_LINES = 20_000;

export type LogLine = Record<string, unknown> & { msg?: string; level?: number; run?: number };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcessOptions {
  /** Extra environment (e.g. `VECSTREAM_GROUP_ID`) for every start. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Copy vecstream's stderr to ours (also on with VECSTREAM_TEST_VERBOSE=1). */
  verbose?: boolean;
}

export class ServiceProcess {
  readonly dir = mkdtempSync(join(tmpdir(), "vecstream-proc-"));
  readonly configPath = join(this.dir, "config.json");
  readonly dataDir: string;
  readonly logs: LogLine[] = [];
  /** Number of `start()` calls so far; each log line carries the run it came from. */
  runs = 0;
  url = "";
  #child: ChildProcess | undefined;
  #exit: Promise<Exit> | undefined;
  readonly #options: ServiceProcessOptions;
  readonly #listeners = new Set<(line: LogLine) => void>();

  constructor(config: Record<string, unknown>, options: ServiceProcessOptions = {}) {
    this.#options = options;
    if (["warn", "error", "fatal", "silent"].includes(String(config.logLevel))) {
      // start() waits for the info line `vecstream started`, which carries the URL.
      throw new Error(`ServiceProcess needs logLevel info or lower, got ${String(config.logLevel)}`);
    }
    this.dataDir = typeof config.dataDir === "string" ? config.dataDir : join(this.dir, "data");
    mkdirSync(this.dataDir, { recursive: true });
    const http = { port: 0, ...(config.http as Record<string, unknown> | undefined) };
    writeFileSync(this.configPath, JSON.stringify({ ...config, dataDir: this.dataDir, http }, null, 2));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Spawns vecstream and resolves with its URL once HTTP listens. */
  start(env: Record<string, string> = {}): Promise<string> {
    if (this.running) return Promise.reject(new Error("vecstream is already running"));
    const run = ++this.runs;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.#options.env, ...env, VECSTREAM_CONFIG: this.configPath },
      stdio: ["ignore", "pipe", "pipe"],
    });
    killOnExit(child);
    this.#child = child;
    this.#exit = new Promise<Exit>((resolve) =>
      child.once("exit", (code, signal) => {
        forgetChild(child);
        resolve({ code, signal });
      }),
    );
    const verbose = this.#options.verbose ?? process.env.VECSTREAM_TEST_VERBOSE === "1";
    let stderr = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-8192);
      if (verbose) process.stderr.write(chunk);
    });
    return new Promise<string>((resolve, reject) => {
      const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(
        () => reject(this.#startError(`no 'vecstream started' in ${timeoutMs} ms`, stderr)),
        timeoutMs,
      );
      createInterface({ input: child.stdout! }).on("line", (text) => {
        const line = parseLine(text);
        if (!line) return;
        line.run = run;
        if (this.logs.length >= MAX_LOG_LINES) this.logs.splice(0, MAX_LOG_LINES / 10);
        this.logs.push(line);
        for (const listener of this.#listeners) listener(line);
        if (line.msg === "vecstream started") {
          clearTimeout(timer);
          this.url = String(line.url);
          resolve(this.url);
        }
      });
      void this.#exit!.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(
          this.#startError(`vecstream exited (code ${code}, signal ${signal}) before it started`, stderr),
        );
      });
    });
  }

  #startError(why: string, stderr: string): Error {
    const tail = this.logs.slice(-20).map((l) => JSON.stringify(l));
    return new Error(`${why}\nlast log lines:\n${tail.join("\n")}\nstderr:\n${stderr}`);
  }

  /** Polls `/readyz` until it answers 200. */
  async waitReady(timeoutMs = 60_000, headers: Record<string, string> = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      if (!this.running) throw new Error("vecstream exited while waiting for /readyz");
      try {
        const res = await fetch(`${this.url}/readyz`, { headers });
        if (res.status === 200) return;
        last = await res.text();
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`vecstream not ready within ${timeoutMs} ms: ${last}`);
  }

  /** Sends `signal` and resolves once the process is gone (immediately if it is not running). */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<Exit> {
    const child = this.#child;
    const exit = this.#exit;
    if (!child || !exit) return { code: null, signal: null };
    if (this.running) child.kill(signal);
    return exit;
  }

  /** Resolves when the current process exits on its own (or was killed). */
  exited(): Promise<Exit> {
    return this.#exit ?? Promise.resolve({ code: null, signal: null });
  }

  async restart(signal: NodeJS.Signals = "SIGKILL", env: Record<string, string> = {}): Promise<string> {
    await this.kill(signal);
    return this.start(env);
  }

  /** The log lines with message `msg` (of every run, or of `run` only). */
  logged(msg: string, run?: number): LogLine[] {
    return this.logs.filter((l) => l.msg === msg && (run === undefined || l.run === run));
  }

  /**
   * Resolves with the first log line of the current run (one already logged, or a later one) with
   * message `msg` that `match` accepts; rejects if the process exits or `timeoutMs` passes first.
   */
  waitForLog(
    msg: string,
    timeoutMs = 30_000,
    match: (line: LogLine) => boolean = () => true,
  ): Promise<LogLine> {
    const run = this.runs;
    const wanted = (l: LogLine) => l.msg === msg && l.run === run && match(l);
    const seen = this.logs.find(wanted);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = (line: LogLine) => {
        if (!wanted(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no '${msg}' log line within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#listeners.add(listener);
      void this.exited().then(() => {
        if (!this.#listeners.has(listener)) return;
        done();
        reject(new Error(`vecstream exited before logging '${msg}'`));
      });
    });
  }

  async close(): Promise<void> {
    await this.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function parseLine(text: string): LogLine | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as LogLine) : undefined;
  } catch {
    return undefined;
  }
}
