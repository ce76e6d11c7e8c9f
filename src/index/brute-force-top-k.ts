/**
 * The bounded heap behind `BruteForceIndex`'s exact scan (the HNSW beam has its own, in heap.ts).
 *
 * Contract: holds at most `capacity` (slot, distance) pairs, the best seen by (distance, id) order;
 * `offer` never allocates. Ids break distance ties so that the result does not depend on slot order.
 */

/**
 * A bounded max-heap of (slot, distance) on parallel typed arrays: the root is the worst of the best k
 * seen so far, so a candidate is admitted by one comparison and an eviction costs O(log k). Order is by
 * distance, then by id, so which of several equidistant points make the cut does not depend on slots.
 */
export class TopK {
  readonly capacity: number;
  readonly slots: Int32Array;
  readonly dists: Float64Array;
  readonly #idBySlot: readonly string[];
  length = 0;

  constructor(capacity: number, idBySlot: readonly string[]) {
    this.capacity = capacity;
    this.slots = new Int32Array(capacity);
    this.dists = new Float64Array(capacity);
    this.#idBySlot = idBySlot;
  }

  isFull(): boolean {
    return this.length === this.capacity;
  }

  worst(): number {
    return this.dists[0];
  }

  offer(slot: number, dist: number): void {
    if (this.length < this.capacity) {
      this.#siftUp(this.length++, slot, dist);
    } else if (this.#after(this.dists[0], this.slots[0], dist, slot)) {
      this.#siftDown(slot, dist);
    }
  }

  /** True when (da, sa) ranks after (db, sb): farther, or as far with a larger id. */
  #after(da: number, sa: number, db: number, sb: number): boolean {
    return da > db || (da === db && this.#idBySlot[sa] > this.#idBySlot[sb]);
  }

  #siftUp(at: number, slot: number, dist: number): void {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#after(dist, slot, this.dists[parent], this.slots[parent])) break;
      this.slots[i] = this.slots[parent];
      this.dists[i] = this.dists[parent];
      i = parent;
    }
    this.slots[i] = slot;
    this.dists[i] = dist;
  }

  /** Replaces the root with (slot, dist) and restores the heap order. */
  #siftDown(slot: number, dist: number): void {
    let i = 0;
    const n = this.length;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (
        right < n &&
        this.#after(this.dists[right], this.slots[right], this.dists[child], this.slots[child])
      ) {
        child = right;
      }
      if (!this.#after(this.dists[child], this.slots[child], dist, slot)) break;
      this.slots[i] = this.slots[child];
      this.dists[i] = this.dists[child];
      i = child;
    }
    this.slots[i] = slot;
    this.dists[i] = dist;
  }
}
