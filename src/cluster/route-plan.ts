/**
 * A route plan: which member answers for which partitions of one query.
 *
 * Contract (pure; `planRoute(table, request)`):
 * - Every partition of the collection (or of `request.partitions`) gets one holder, chosen among its
 *   live holders not in `exclude` (members that already failed this request), by, in order:
 *   0. not being in `avoid` (members that failed recent requests: chosen only when no other holds
 *      the partition, so a hung peer costs one timeout, not one per request until its record expires);
 *   1. having applied the partition's `min_offsets` (when it names the partition): a holder that has
 *      it answers at once; when none has, the best of the others is chosen and waits for it;
 *   2. being this member (its partitions are searched in-process, no network);
 *   3. least lag (unknown lag counts as the most);
 *   4. belonging to the replica group `spread` picks (`groups[spread % groups]` over the sorted group
 *      names), so equal replicas share the load across queries while one query stays on few members;
 *   5. being chosen already for another partition of this query (fewer calls);
 *   6. the smaller member name.
 * - The chosen partitions are grouped by member: `local` are this member's, `remote` one call per
 *   other member with its URL, its partitions and their `min_offsets`. A partition no live holder is
 *   left for is listed in `unavailable`; a plan with `unavailable` empty covers every partition.
 * - The partitions of a collection are `0 .. partitionCount-1`; when no member has reported the count
 *   they are those with a holder (nothing can be said of the others).
 */

import type { Holder, RoutingTable } from "./routing-table.js";

export interface RouteRequest {
  collection: string;
  /** This member's name. */
  self: string;
  /** The partitions to cover (default: all of the collection's). */
  partitions?: readonly number[];
  minOffsets?: ReadonlyMap<number, number>;
  /** Members that failed this request already: not chosen again. */
  exclude?: ReadonlySet<string>;
  /** Members that failed recent requests: chosen last. */
  avoid?: ReadonlySet<string>;
  /** Any integer; equal replicas are spread across queries by it. */
  spread?: number;
}

export interface PlannedCall {
  member: string;
  url: string;
  partitions: number[];
  /** The request's `min_offsets` restricted to these partitions. */
  minOffsets: Map<number, number>;
}

export interface RoutePlan {
  /** Partitions this member searches itself (empty when it holds none of them). */
  local: PlannedCall | undefined;
  remote: PlannedCall[];
  /** Partitions without a live holder (left after `exclude`), in order. */
  unavailable: number[];
}

/** The partitions a query covers when it names none. */
export function partitionsOf(table: RoutingTable, collection: string): number[] {
  const routes = table.collections.get(collection);
  if (routes === undefined) return [];
  if (routes.partitionCount !== undefined) return Array.from({ length: routes.partitionCount }, (_, p) => p);
  return [...routes.holders.keys()].sort((a, b) => a - b);
}

interface Chooser {
  self: string;
  preferredGroup: string | undefined;
  avoid: ReadonlySet<string> | undefined;
  chosen: ReadonlyMap<string, PlannedCall>;
}

/** Negative when holder `a` is the better choice for a partition with min offset `wanted`. */
function compare(a: Holder, b: Holder, wanted: number | undefined, c: Chooser): number {
  const va = c.avoid?.has(a.member) ?? false;
  const vb = c.avoid?.has(b.member) ?? false;
  if (va !== vb) return va ? 1 : -1;
  if (wanted !== undefined) {
    const ea = (a.applied ?? -1) >= wanted;
    const eb = (b.applied ?? -1) >= wanted;
    if (ea !== eb) return ea ? -1 : 1;
  }
  if ((a.member === c.self) !== (b.member === c.self)) return a.member === c.self ? -1 : 1;
  const la = a.lag ?? Infinity;
  const lb = b.lag ?? Infinity;
  if (la !== lb) return la < lb ? -1 : 1;
  const ga = groupOf(a) === c.preferredGroup;
  const gb = groupOf(b) === c.preferredGroup;
  if (ga !== gb) return ga ? -1 : 1;
  const ca = c.chosen.has(a.member);
  const cb = c.chosen.has(b.member);
  if (ca !== cb) return ca ? -1 : 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

function groupOf(h: Holder): string {
  return h.replicaGroup ?? `member:${h.member}`;
}

function preferredGroupOf(table: RoutingTable, collection: string, spread: number): string | undefined {
  const groups = new Set<string>();
  for (const holders of table.collections.get(collection)?.holders.values() ?? [])
    for (const h of holders) groups.add(groupOf(h));
  if (groups.size === 0) return undefined;
  const sorted = [...groups].sort();
  const i = ((Math.trunc(spread) % sorted.length) + sorted.length) % sorted.length;
  return sorted[i];
}

export function planRoute(table: RoutingTable, request: RouteRequest): RoutePlan {
  const { collection, self, minOffsets, exclude } = request;
  const partitions = request.partitions ?? partitionsOf(table, collection);
  const chosen = new Map<string, PlannedCall>();
  const chooser: Chooser = {
    self,
    preferredGroup: preferredGroupOf(table, collection, request.spread ?? 0),
    avoid: request.avoid,
    chosen,
  };
  const unavailable: number[] = [];
  for (const partition of [...new Set(partitions)].sort((a, b) => a - b)) {
    const wanted = minOffsets?.get(partition);
    let best: Holder | undefined;
    for (const h of table.holdersOf(collection, partition)) {
      if (exclude?.has(h.member)) continue;
      if (best === undefined || compare(h, best, wanted, chooser) < 0) best = h;
    }
    if (best === undefined) {
      unavailable.push(partition);
      continue;
    }
    let call = chosen.get(best.member);
    if (call === undefined) {
      call = { member: best.member, url: best.url, partitions: [], minOffsets: new Map() };
      chosen.set(best.member, call);
    }
    call.partitions.push(partition);
    if (wanted !== undefined) call.minOffsets.set(partition, wanted);
  }
  const local = chosen.get(self);
  const remote = [...chosen.values()].filter((c) => c.member !== self);
  return { local, remote, unavailable };
}
