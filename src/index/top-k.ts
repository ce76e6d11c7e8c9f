/**
 * `TopK`: the k nearest distinct ids seen so far, the one bounded selection behind every exact scan
 * (the brute-force engine, the quality probes' ground truth, the benchmarks' exact k-NN). The HNSW
 * beam keeps its own heaps (heap.ts): its result set is the paper's W, bounded by `ef`, not by k.
 *
 * Contract: entries are ordered by (distance, id) — ids break distance ties, so which of several
 * equidistant points make the cut does not depend on the order they were offered in. `offer` admits
 * by one comparison against the worst entry kept, evicts in O(log k), ignores an id already held (an
 * iterator may yield an id twice while the index changes under it) and allocates nothing. `sorted`
 * returns the entries nearest first.
 */

/** One entry of a selection: an id and its distance, smaller nearer. */
export interface Ranked<T> {
  id: T;
  distance: number;
}

/** A bounded max-heap of (distance, id) whose root is the worst of the best k seen so far. */
export class TopK<T extends string | number> {
  readonly capacity: number;
  readonly #dists: Float64Array;
  readonly #ids: T[];
  #size = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#dists = new Float64Array(capacity);
    this.#ids = new Array<T>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** The distance a candidate must not exceed to enter (Infinity while not full). */
  get bound(): number {
    return this.#size < this.capacity ? Infinity : this.#dists[0];
  }

  /** True when (distance, id) would enter: room is left, or it ranks before the worst entry kept. */
  admits(distance: number, id: T): boolean {
    if (this.#size < this.capacity) return this.capacity > 0;
    return this.#before(distance, id, this.#dists[0], this.#ids[0]);
  }

  has(id: T): boolean {
    for (let i = 0; i < this.#size; i++) if (this.#ids[i] === id) return true;
    return false;
  }

  /** Adds (distance, id) when it is admitted and its id is not held yet; returns whether it was. */
  offer(distance: number, id: T): boolean {
    if (!this.admits(distance, id) || this.has(id)) return false;
    if (this.#size < this.capacity) this.#siftUp(this.#size++, distance, id);
    else this.#siftDown(0, this.#size, distance, id);
    return true;
  }

  /** The entries, nearest first (a new array; the selection is unchanged). */
  sorted(): Ranked<T>[] {
    const out: Ranked<T>[] = [];
    for (let i = 0; i < this.#size; i++) out.push({ id: this.#ids[i], distance: this.#dists[i] });
    return out.sort((a, b) => (this.#before(a.distance, a.id, b.distance, b.id) ? -1 : 1));
  }

  /** True when (da, ia) ranks before (db, ib): nearer, or as near with a smaller id. */
  #before(da: number, ia: T, db: number, ib: T): boolean {
    return da < db || (da === db && ia < ib);
  }

  #siftUp(at: number, distance: number, id: T): void {
    const dists = this.#dists;
    const ids = this.#ids;
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(dists[parent], ids[parent], distance, id)) break;
      dists[i] = dists[parent];
      ids[i] = ids[parent];
      i = parent;
    }
    dists[i] = distance;
    ids[i] = id;
  }

  /** Places (distance, id) at `at` of a heap of `n` entries, moving it down past better children. */
  #siftDown(at: number, n: number, distance: number, id: T): void {
    const dists = this.#dists;
    const ids = this.#ids;
    let i = at;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#before(dists[child], ids[child], dists[child + 1], ids[child + 1])) child++;
      if (!this.#before(distance, id, dists[child], ids[child])) break;
      dists[i] = dists[child];
      ids[i] = ids[child];
      i = child;
    }
    dists[i] = distance;
    ids[i] = id;
  }
}
