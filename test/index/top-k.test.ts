import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../src/index/random.js";
import { TopK } from "../../src/index/top-k.js";

describe("TopK", () => {
  it("keeps an id offered twice only once", () => {
    const top = new TopK<string>(3);
    top.offer(1, "a");
    top.offer(1, "a");
    top.offer(2, "b");
    top.offer(0.5, "c");
    top.offer(5, "d");
    expect(top.sorted()).toEqual([
      { id: "c", distance: 0.5 },
      { id: "a", distance: 1 },
      { id: "b", distance: 2 },
    ]);
  });

  it("breaks distance ties by id, whatever the order the ids were offered in", () => {
    for (const order of [
      ["d", "c", "b", "a"],
      ["a", "b", "c", "d"],
      ["c", "a", "d", "b"],
    ]) {
      const top = new TopK<string>(2);
      for (const id of order) top.offer(1, id);
      expect(top.sorted().map((r) => r.id)).toEqual(["a", "b"]);
    }
  });

  it("selects the k nearest of many distances, as a full sort would", () => {
    const random = new SeededRandom(4);
    const entries = Array.from({ length: 500 }, (_, id) => ({
      id,
      distance: Math.floor(random.next() * 50),
    }));
    const top = new TopK<number>(17);
    for (const { id, distance } of entries) top.offer(distance, id);
    const sorted = entries.slice().sort((a, b) => a.distance - b.distance || a.id - b.id);
    expect(top.sorted()).toEqual(sorted.slice(0, 17));
    expect(top.bound).toBe(sorted[16].distance);
  });

  it("admits everything while not full and nothing when it holds no entries at all", () => {
    const top = new TopK<number>(2);
    expect(top.bound).toBe(Infinity);
    expect(top.admits(1e9, 1)).toBe(true);
    expect(new TopK<number>(0).offer(0, 1)).toBe(false);
  });
});
