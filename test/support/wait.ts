/**
 * Polling helpers for tests that wait on something another task (a kafkajs consumer, a child process)
 * makes true. Both are bounded, so a test never hangs on a condition that never comes:
 * - `waitFor` throws `timed out waiting for <what>` at the deadline (the test fails naming the wait);
 * - `pollUntil` returns whether the condition held by the deadline, for callers that assert on the
 *   outcome themselves (e.g. "nothing more arrived").
 * Deadlines bound the wait only; no test asserts on how long anything took.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `pollMs` until it holds; returns false if `timeoutMs` passed first. */
export async function pollUntil(check: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Polls `check` until it holds (bounded: the test fails with `what` rather than hanging). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  if (!(await pollUntil(check, timeoutMs))) throw new Error(`timed out waiting for ${what}`);
}
