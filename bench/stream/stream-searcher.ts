/**
 * The streaming benchmark's search client, run as its own process (forked by `stream-bench.ts` with an
 * IPC channel) so its work never shares an event loop with the producer or the service.
 *
 * It sends k-NN searches over HTTP, one at a time, paced at `qps` (a search is due every 1000/qps ms;
 * when a slow answer makes it miss a due time it starts again from now instead of firing a backlog),
 * with query vectors drawn in turn from the list it was given. A latency is the client-side round trip:
 * from just before `fetch` to the parsed JSON answer, over loopback with keep-alive.
 *
 * IPC protocol (every parent message gets exactly one reply, in order):
 *   {type: "target", url, collection, k, qps, queries}  -> {type: "ok"}      aim at a service
 *   {type: "phase", name}                               -> {type: "ok"}      start recording afresh
 *   {type: "report"}                                    -> {type: "report", ...SearcherReport}
 *   {type: "pause"}                                     -> {type: "ok"}      stop sending until a target
 *   {type: "stop"}                                      -> {type: "ok"}, then the process exits
 * Searches outside a phase (between `pause` and the next `phase`) are not sent at all.
 */

import { summarize } from "./stream-stats.js";
import type { LatencySummary } from "./stream-stats.js";

export interface SearcherTarget {
  type: "target";
  url: string;
  collection: string;
  k: number;
  qps: number;
  queries: number[][];
}

export type SearcherRequest =
  | SearcherTarget
  | { type: "phase"; name: string }
  | { type: "report" }
  | { type: "pause" }
  | { type: "stop" };

export interface SearcherReport extends LatencySummary {
  phase: string;
  /** Searches that failed (connection error or a non-200 answer); not in the latency figures. */
  errors: number;
  /** The first failure's message, to show what went wrong. */
  firstError: string | null;
}

export type SearcherReply = { type: "ok" } | ({ type: "report" } & SearcherReport);

interface State {
  target: SearcherTarget | undefined;
  phase: string | undefined;
  latencies: number[];
  errors: number;
  firstError: string | null;
  stopped: boolean;
}

const state: State = {
  target: undefined,
  phase: undefined,
  latencies: [],
  errors: 0,
  firstError: null,
  stopped: false,
};

function reply(message: SearcherReply): void {
  process.send?.(message);
}

function onRequest(request: SearcherRequest): void {
  switch (request.type) {
    case "target":
      state.target = request;
      state.phase = undefined;
      return reply({ type: "ok" });
    case "phase":
      state.phase = request.name;
      state.latencies = [];
      state.errors = 0;
      state.firstError = null;
      return reply({ type: "ok" });
    case "report": {
      const summary = summarize(state.latencies);
      const { errors, firstError } = state;
      return reply({ type: "report", phase: state.phase ?? "", ...summary, errors, firstError });
    }
    case "pause":
      state.phase = undefined;
      return reply({ type: "ok" });
    case "stop":
      state.stopped = true;
      // Disconnect only once the reply is on its way; the 'disconnect' handler then exits.
      process.send?.({ type: "ok" } satisfies SearcherReply, () => process.disconnect?.());
      return;
  }
}

/** One search; its latency (ms) goes to the current phase, or its failure is counted. */
async function searchOnce(target: SearcherTarget, vector: number[]): Promise<void> {
  const phase = state.phase;
  const started = performance.now();
  try {
    const res = await fetch(`${target.url}/collections/${target.collection}/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ vector, k: target.k }),
    });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${body.slice(0, 200)}`);
    if (state.phase === phase && phase !== undefined) state.latencies.push(performance.now() - started);
  } catch (err) {
    if (state.phase !== phase || phase === undefined) return;
    state.errors++;
    state.firstError ??= err instanceof Error ? err.message : String(err);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function loop(): Promise<void> {
  let due = performance.now();
  let next = 0;
  while (!state.stopped) {
    const target = state.target;
    if (target === undefined || state.phase === undefined) {
      await sleep(20);
      due = performance.now();
      continue;
    }
    const interval = 1000 / target.qps;
    await sleep(due - performance.now());
    await searchOnce(target, target.queries[next++ % target.queries.length]);
    due += interval;
    // Behind by more than one interval: start the schedule again rather than send a burst.
    if (performance.now() > due + interval) due = performance.now();
  }
}

process.on("message", (message) => onRequest(message as SearcherRequest));
// After `stop`, or when the parent died without saying it: there is nobody left to report to.
process.on("disconnect", () => process.exit(0));
await loop();
