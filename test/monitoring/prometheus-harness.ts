/**
 * Harness for tests against a real Prometheus (Debian's `prometheus` package) and a vecstream child.
 *
 * Contract: `startPrometheus` writes a config scraping the given targets every second (plus optional
 * rule files) into a fresh temp directory, starts `prometheus` on 127.0.0.1 with its TSDB there, and
 * resolves once `/-/ready` answers; `stop()` ends it and removes the directory. `startChild` spawns a
 * process keeping the tail of its output for failure messages. `freePort` asks the kernel for a port.
 * `waitFor` polls until a check passes or its deadline is reached, then throws with the last reason:
 * deadlines here bound how long a test waits, they are never what the test measures.
 */

import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export function isPrometheusInstalled(): boolean {
  return spawnSync("prometheus", ["--version"], { encoding: "utf8" }).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface Child {
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export function startChild(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Child {
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  readonly url: string;
  query(expr: string): Promise<PromSample[]>;
  api<T>(path: string): Promise<T>;
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(options: {
  targets: string[];
  ruleFiles?: string[];
}): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), "vecstream-prometheus-"));
  const port = await freePort();
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: options.ruleFiles ?? [],
    scrape_configs: [{ job_name: "vecstream", static_configs: [{ targets: options.targets }] }],
  };
  writeFileSync(join(dir, "prometheus.yml"), stringify(config));
  const child = startChild("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  const stop = async () => {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor("prometheus to be ready", 30_000, async () => {
      if (child.process.exitCode !== null) throw new Error(`prometheus exited: ${child.output()}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    api,
    output: child.output,
    stop,
    async query(expr) {
      const data = await api<{ result: PromSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
  };
}
