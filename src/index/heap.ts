/**
 * Binary heaps over typed arrays, keyed by distance, carrying a node slot.
 *
 * Contract: `push`, `pop` and the `top*` reads allocate nothing once the heap has grown to the largest
 * size a caller needs (it doubles on overflow, which happens only while a new, larger `ef` is first
 * seen). Keys are Float64 so that ties and tiny differences rank exactly as the kernels computed them.
 * `MinHeap` is the paper's candidate set C (nearest first); `MaxHeap` is the result set W, whose top is
 * the furthest kept element, the bound a beam search compares against.
 */

export class MinHeap {
  keys: Float64Array;
  values: Uint32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.values = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0];
  }

  topValue(): number {
    return this.values[0];
  }

  push(key: number, value: number): void {
    if (this.size === this.keys.length) this.#grow();
    const keys = this.keys;
    const values = this.values;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (pk <= key) break;
      keys[i] = pk;
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** Removes the top element; read it with `topKey`/`topValue` first. */
  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const keys = this.keys;
    const values = this.values;
    const key = keys[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= key) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    values[i] = value;
  }

  #grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const values = new Uint32Array(this.values.length * 2);
    keys.set(this.keys);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }
}

export class MaxHeap {
  keys: Float64Array;
  values: Uint32Array;
  size = 0;

  constructor(capacity = 64) {
    this.keys = new Float64Array(capacity);
    this.values = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  topKey(): number {
    return this.keys[0];
  }

  topValue(): number {
    return this.values[0];
  }

  push(key: number, value: number): void {
    if (this.size === this.keys.length) this.#grow();
    const keys = this.keys;
    const values = this.values;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent];
      if (pk >= key) break;
      keys[i] = pk;
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** Removes the top (furthest) element; read it with `topKey`/`topValue` first. */
  pop(): void {
    const n = --this.size;
    if (n <= 0) return;
    const keys = this.keys;
    const values = this.values;
    const key = keys[n];
    const value = values[n];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && keys[child + 1] > keys[child]) child++;
      if (keys[child] <= key) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = key;
    values[i] = value;
  }

  /**
   * Empties the heap into `outValues`/`outKeys` in ascending key order (nearest first) and returns the
   * count. The output arrays must hold `size` elements.
   */
  drainAscending(outValues: Uint32Array, outKeys: Float64Array): number {
    const n = this.size;
    for (let i = n - 1; i >= 0; i--) {
      outKeys[i] = this.keys[0];
      outValues[i] = this.values[0];
      this.pop();
    }
    return n;
  }

  #grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const values = new Uint32Array(this.values.length * 2);
    keys.set(this.keys);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }
}
