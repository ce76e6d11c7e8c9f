import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MaxHeap, MinHeap } from "../../src/index/heap.js";

describe("typed-array heaps", () => {
  it("pops a MinHeap in ascending key order with the values pushed alongside", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { maxLength: 300 }), (keys) => {
        const heap = new MinHeap(2);
        keys.forEach((k, i) => heap.push(k, i));
        const popped: number[] = [];
        while (heap.size > 0) {
          expect(keys[heap.topValue()]).toBe(heap.topKey());
          popped.push(heap.topKey());
          heap.pop();
        }
        expect(popped).toEqual([...keys].sort((a, b) => a - b));
      }),
      { seed: 1 },
    );
  });

  it("keeps the largest key on top of a MaxHeap and drains it nearest first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 }),
        (keys) => {
          const heap = new MaxHeap(1);
          keys.forEach((k, i) => heap.push(k, i));
          expect(heap.topKey()).toBe(Math.max(...keys));
          const outKeys = new Float64Array(keys.length);
          const outValues = new Uint32Array(keys.length);
          expect(heap.drainAscending(outValues, outKeys)).toBe(keys.length);
          expect(Array.from(outKeys)).toEqual([...keys].sort((a, b) => a - b));
          for (let i = 0; i < keys.length; i++) expect(keys[outValues[i]]).toBe(outKeys[i]);
          expect(heap.size).toBe(0);
        },
      ),
      { seed: 2 },
    );
  });

  it("bounds a MaxHeap to the k smallest keys by popping after each overflow", () => {
    const heap = new MaxHeap(4);
    for (const k of [9, 1, 8, 2, 7, 3, 6, 4, 5]) {
      heap.push(k, k);
      if (heap.size > 3) heap.pop();
    }
    const keys = new Float64Array(3);
    heap.drainAscending(new Uint32Array(3), keys);
    expect(Array.from(keys)).toEqual([1, 2, 3]);
  });
});
