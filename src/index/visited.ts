/**
 * Visited sets for graph searches, reset in O(1) by an epoch counter (hnswlib's `VisitedList`).
 *
 * Contract: after `begin()`, `isVisited(slot)` is false for every slot until `visit(slot)`. A slot is
 * visited when `tags[slot] === epoch`; starting a new search bumps the epoch instead of clearing, and the
 * `Uint16Array` is zero-filled only when the epoch wraps, once every 65,535 searches. Hot loops read
 * `tags` and `epoch` into locals and test them inline.
 */

export class VisitedSet {
  tags: Uint16Array;
  epoch = 0;

  constructor(capacity: number) {
    this.tags = new Uint16Array(Math.max(1, capacity));
  }

  /** Starts a new search over slots `[0, capacity)`; grows the tag array if the graph grew. */
  begin(capacity: number): void {
    if (capacity > this.tags.length) {
      this.tags = new Uint16Array(Math.max(capacity, this.tags.length * 2));
      this.epoch = 0;
    }
    this.epoch++;
    if (this.epoch === 0x10000) {
      this.tags.fill(0);
      this.epoch = 1;
    }
  }

  isVisited(slot: number): boolean {
    return this.tags[slot] === this.epoch;
  }

  visit(slot: number): void {
    this.tags[slot] = this.epoch;
  }
}

/**
 * A pool of visited sets, so that a search started while another is in progress (a filter callback that
 * queries the index, a repair running a search) gets its own set instead of corrupting the outer one.
 */
export class VisitedPool {
  readonly #free: VisitedSet[] = [];
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  acquire(capacity: number): VisitedSet {
    if (capacity > this.#capacity) this.#capacity = capacity;
    const set = this.#free.pop() ?? new VisitedSet(this.#capacity);
    set.begin(capacity);
    return set;
  }

  release(set: VisitedSet): void {
    this.#free.push(set);
  }
}
