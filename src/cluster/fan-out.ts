/**
 * One query's fan-out: plan, call every chosen member at once, move the partitions of a member that
 * failed to another replica, until every partition is answered, no holder is left, or time is up.
 *
 * Contract:
 * - Round 1 plans over every wanted partition. A member whose call fails with a retriable error
 *   (network, timeout, 5xx: `PeerError.retriable`) is excluded for the rest of the request and its
 *   partitions are planned again over the table as it stands then; a partition without a holder not
 *   yet excluded is missing. Rounds stop when nothing is left to ask or the deadline has passed, so
 *   the fan-out takes at most the deadline plus one call bound.
 * - Each remote call is bounded by `callTimeoutMs(call)` and by the deadline, whichever comes first,
 *   and aborted when the fan-out ends for another reason: a hung peer holds nothing.
 * - A non-retriable failure (a local error such as a read-your-writes timeout, or a peer's 4xx) ends
 *   the fan-out at once with that error, as a single node would answer; the calls still running are
 *   aborted.
 * - `PeerHealth` remembers members that failed recently (for `suspectMs`, or until one succeeds), so
 *   the next requests choose them last instead of paying the same timeout each.
 * The answers are returned as they came, with the partitions each covers; merging is merge.ts's job.
 */

import { PeerError } from "./peer-client.js";
import { planRoute } from "./route-plan.js";
import type { PlannedCall } from "./route-plan.js";
import type { RoutingTable } from "./routing-table.js";

export interface FanOutRequest {
  collection: string;
  /** Default: every partition of the collection. */
  partitions?: readonly number[];
  minOffsets?: ReadonlyMap<number, number>;
  spread: number;
  /** `now()` time by which the fan-out must be done. */
  deadline: number;
}

export interface FanOutDeps<A> {
  self: string;
  /** The routing table as it stands (read again each round). */
  table(): RoutingTable;
  /** This member's partitions, searched in-process. */
  local(call: PlannedCall): Promise<A>;
  remote(call: PlannedCall, options: { signal: AbortSignal; timeoutMs: number }): Promise<A>;
  callTimeoutMs(call: PlannedCall): number;
  now(): number;
  health?: PeerHealth;
}

export interface FanOutAnswer<A> {
  member: string;
  partitions: number[];
  answer: A;
  /** How long the call took (ms). */
  tookMs: number;
}

export interface FanOutFailure {
  member: string;
  partitions: number[];
  error: unknown;
}

export interface FanOutResult<A> {
  answers: FanOutAnswer<A>[];
  /** Wanted partitions no answer covers: no holder, or every holder failed. */
  missing: number[];
  failures: FanOutFailure[];
  rounds: number;
}

export function isRetriable(err: unknown): boolean {
  return err instanceof PeerError && err.retriable;
}

/** Members that failed recently, chosen last by the next plans. */
export class PeerHealth {
  readonly #suspectMs: number;
  readonly #now: () => number;
  readonly #failedAt = new Map<string, number>();

  constructor(suspectMs: number, now: () => number = () => performance.now()) {
    this.#suspectMs = suspectMs;
    this.#now = now;
  }

  failed(member: string): void {
    this.#failedAt.set(member, this.#now());
  }

  succeeded(member: string): void {
    this.#failedAt.delete(member);
  }

  suspects(): Set<string> {
    const now = this.#now();
    for (const [member, at] of this.#failedAt) if (now - at > this.#suspectMs) this.#failedAt.delete(member);
    return new Set(this.#failedAt.keys());
  }
}

export async function fanOut<A>(deps: FanOutDeps<A>, request: FanOutRequest): Promise<FanOutResult<A>> {
  const answers: FanOutAnswer<A>[] = [];
  const failures: FanOutFailure[] = [];
  const missing: number[] = [];
  const exclude = new Set<string>();
  const stop = new AbortController();
  let pending: readonly number[] | undefined = request.partitions;
  let rounds = 0;
  try {
    while (pending === undefined || pending.length > 0) {
      rounds++;
      const plan = planRoute(deps.table(), {
        collection: request.collection,
        self: deps.self,
        partitions: pending,
        minOffsets: request.minOffsets,
        exclude,
        avoid: deps.health?.suspects(),
        spread: request.spread,
      });
      missing.push(...plan.unavailable);
      const calls = plan.local ? [plan.local, ...plan.remote] : plan.remote;
      const settled = await Promise.all(calls.map((call) => attempt(deps, call, request, stop)));
      const retry: number[] = [];
      for (const [i, outcome] of settled.entries()) {
        const call = calls[i];
        if (outcome.ok) {
          deps.health?.succeeded(call.member);
          answers.push({
            member: call.member,
            partitions: call.partitions,
            answer: outcome.answer,
            tookMs: outcome.tookMs,
          });
          continue;
        }
        if (!isRetriable(outcome.error) || call.member === deps.self)
          throw finalError(settled, calls, deps.self);
        deps.health?.failed(call.member);
        exclude.add(call.member);
        failures.push({ member: call.member, partitions: call.partitions, error: outcome.error });
        retry.push(...call.partitions);
      }
      if (retry.length > 0 && deps.now() >= request.deadline) {
        missing.push(...retry);
        break;
      }
      pending = retry;
    }
  } finally {
    stop.abort();
  }
  return { answers, missing: missing.sort((a, b) => a - b), failures, rounds };
}

/** The error that ended a round: the first final one that is not an abort it caused. */
function finalError<A>(settled: Outcome<A>[], calls: PlannedCall[], self: string): unknown {
  let first: unknown;
  for (const [i, o] of settled.entries()) {
    if (o.ok || (isRetriable(o.error) && calls[i].member !== self)) continue;
    if (!(o.error instanceof PeerError && o.error.failure === "aborted")) return o.error;
    first ??= o.error;
  }
  return first;
}

type Outcome<A> = { ok: true; answer: A; tookMs: number } | { ok: false; error: unknown };

async function attempt<A>(
  deps: FanOutDeps<A>,
  call: PlannedCall,
  request: FanOutRequest,
  stop: AbortController,
): Promise<Outcome<A>> {
  const started = deps.now();
  try {
    const answer =
      call.member === deps.self
        ? await deps.local(call)
        : await deps.remote(call, {
            signal: stop.signal,
            timeoutMs: Math.max(1, Math.min(deps.callTimeoutMs(call), request.deadline - started)),
          });
    return { ok: true, answer, tookMs: deps.now() - started };
  } catch (error) {
    // A final error ends the fan-out: the calls still running are aborted instead of awaited.
    if (call.member === deps.self || !isRetriable(error)) stop.abort();
    return { ok: false, error };
  }
}
