import { describe, expect, it } from "vitest";
import { VisitedPool, VisitedSet } from "../../src/index/visited.js";

describe("epoch-tagged visited sets", () => {
  it("forgets every visit when a new search begins", () => {
    const set = new VisitedSet(10);
    set.begin(10);
    set.visit(3);
    expect(set.isVisited(3)).toBe(true);
    set.begin(10);
    expect(set.isVisited(3)).toBe(false);
  });

  it("clears its tags when the 16-bit epoch wraps, so old tags never read as visited", () => {
    const set = new VisitedSet(4);
    set.begin(4);
    set.visit(1);
    const firstEpoch = set.epoch;
    for (let i = 0; i < 0xffff; i++) set.begin(4);
    expect(set.epoch).toBe(firstEpoch);
    expect(set.isVisited(1)).toBe(false);
  });

  it("grows with the graph and starts clean after growing", () => {
    const set = new VisitedSet(2);
    set.begin(2);
    set.visit(1);
    set.begin(100);
    expect(set.tags.length).toBeGreaterThanOrEqual(100);
    expect(set.isVisited(1)).toBe(false);
    set.visit(99);
    expect(set.isVisited(99)).toBe(true);
  });

  it("hands a nested search its own set from the pool", () => {
    const pool = new VisitedPool(8);
    const outer = pool.acquire(8);
    outer.visit(2);
    const inner = pool.acquire(8);
    expect(inner).not.toBe(outer);
    inner.visit(5);
    expect(outer.isVisited(2)).toBe(true);
    expect(outer.isVisited(5)).toBe(false);
    pool.release(inner);
    pool.release(outer);
    expect(pool.acquire(8)).toBe(outer);
  });
});
