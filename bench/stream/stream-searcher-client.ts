/**
 * The client side of the streaming benchmark's search process (`stream-searcher.ts`).
 *
 * Contract: `SearcherClient.start()` forks the searcher with an IPC channel; `request` sends one
 * message and resolves with its reply (replies come in order, so a FIFO pairs them). `stop()` asks
 * the searcher to exit and waits for it; a searcher still alive when this process exits is killed.
 */

import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { StreamBenchError } from "./stream-errors.js";
import type { SearcherReply, SearcherRequest } from "./stream-searcher.js";

const SEARCHER = fileURLToPath(new URL("./stream-searcher.ts", import.meta.url));

export class SearcherClient {
  readonly #child: ChildProcess;
  readonly #waiting: { resolve: (reply: SearcherReply) => void; reject: (err: Error) => void }[] = [];
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on("message", (message) => this.#waiting.shift()?.resolve(message as SearcherReply));
    this.#exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        const why = `the search client exited (code ${code}, signal ${signal})`;
        const err = new StreamBenchError("SEARCHER_FAILED", why);
        for (const waiter of this.#waiting.splice(0)) waiter.reject(err);
        resolve();
      }),
    );
    process.once("exit", () => child.kill("SIGKILL"));
  }

  static start(): SearcherClient {
    return new SearcherClient(
      fork(SEARCHER, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    );
  }

  request(message: SearcherRequest): Promise<SearcherReply> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.send(message);
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      await this.request({ type: "stop" }).catch(() => undefined);
    }
    await this.#exited;
  }
}
