/**
 * The exact merge of the answers of several members to one k-NN query.
 *
 * Contract (pure):
 * - `mergeTopK(lists, k)` returns the k best hits of the union of `lists`, ordered as the engine's
 *   `TopK` orders them (src/index/top-k.ts): by distance, then by id (JavaScript string order), so
 *   equidistant hits are cut the same way whichever member returned them and in whatever order the
 *   answers arrive. An id returned more than once (a key that moved partitions and is still held in
 *   its old one by a lagging member) appears once, with its smallest distance. When each member
 *   returned the k best of its partitions, the merge is the k best of all partitions: the answer a
 *   single node holding everything gives with the same per-partition candidates.
 * - The hits are passed through unchanged (payloads and vectors ride along).
 * - `coverage(wanted, answered)` says which of the wanted partitions the merged answer holds and
 *   which are missing (no holder, or every holder failed), both sorted.
 */

export interface RankedHit {
  id: string;
  distance: number;
}

function before(a: RankedHit, b: RankedHit): boolean {
  return a.distance < b.distance || (a.distance === b.distance && a.id < b.id);
}

export function mergeTopK<H extends RankedHit>(lists: Iterable<readonly H[]>, k: number): H[] {
  const best = new Map<string, H>();
  for (const list of lists) {
    for (const hit of list) {
      const seen = best.get(hit.id);
      if (seen === undefined || before(hit, seen)) best.set(hit.id, hit);
    }
  }
  return [...best.values()].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0)).slice(0, k);
}

export interface Coverage {
  held: number[];
  missing: number[];
}

export function coverage(wanted: Iterable<number>, answered: Iterable<number>): Coverage {
  const got = new Set(answered);
  const held: number[] = [];
  const missing: number[] = [];
  for (const p of new Set(wanted)) (got.has(p) ? held : missing).push(p);
  const up = (a: number, b: number) => a - b;
  return { held: held.sort(up), missing: missing.sort(up) };
}
