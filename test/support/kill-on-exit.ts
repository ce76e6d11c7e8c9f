/**
 * Child processes the tests start (dev brokers, vecstream) that must not outlive the Node process
 * running the tests, even when a test fails before its cleanup.
 *
 * Contract: `killOnExit(child)` registers a child; one `process.once("exit")` hook, installed on first
 * use, SIGKILLs every child still registered ('exit' handlers must be synchronous, so no graceful
 * stop is possible there). `forgetChild(child)` unregisters one that has ended.
 */
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
let hookInstalled = false;

export function killOnExit(child: ChildProcess): void {
  if (!hookInstalled) {
    hookInstalled = true;
    process.once("exit", () => {
      for (const c of live) c.kill("SIGKILL");
    });
  }
  live.add(child);
}

export function forgetChild(child: ChildProcess): void {
  live.delete(child);
}
