import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Subject } from "rxjs";
import { bufferTimeOrCount } from "../../src/stream/buffer.js";

describe("bufferTimeOrCount", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function harness(maxMs: number, maxCount: number) {
    const input = new Subject<number>();
    const out: number[][] = [];
    let completed = false;
    const sub = input.pipe(bufferTimeOrCount(maxMs, maxCount)).subscribe({
      next: (chunk) => out.push(chunk),
      complete: () => (completed = true),
    });
    return { input, out, sub, isCompleted: () => completed };
  }

  it("emits as soon as maxCount values are in hand", () => {
    const { input, out } = harness(20, 3);
    [1, 2, 3, 4].forEach((v) => input.next(v));
    expect(out).toEqual([[1, 2, 3]]);
  });

  it("emits a partial array maxMs after its first value arrived", () => {
    const { input, out } = harness(20, 100);
    input.next(1);
    vi.advanceTimersByTime(15);
    input.next(2);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(5);
    expect(out).toEqual([[1, 2]]);
    input.next(3);
    vi.advanceTimersByTime(19);
    expect(out).toEqual([[1, 2]]);
    vi.advanceTimersByTime(1);
    expect(out).toEqual([[1, 2], [3]]);
  });

  it("sets no timer while nothing waits, so an idle stream never wakes the process", () => {
    const { input } = harness(20, 100);
    expect(vi.getTimerCount()).toBe(0);
    input.next(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(20);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("flushes the partial array on completion, then completes", () => {
    const { input, out, isCompleted } = harness(20, 100);
    input.next(1);
    input.complete();
    expect(out).toEqual([[1]]);
    expect(isCompleted()).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer when unsubscribed", () => {
    const { input, sub } = harness(20, 100);
    input.next(1);
    sub.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("emits the partial array at once when flushes emits, and nothing when it is empty", () => {
    const input = new Subject<number>();
    const flushes = new Subject<void>();
    const out: number[][] = [];
    input.pipe(bufferTimeOrCount(20, 100, flushes)).subscribe((chunk) => out.push(chunk));
    flushes.next();
    expect(out).toEqual([]);
    input.next(1);
    input.next(2);
    flushes.next();
    expect(out).toEqual([[1, 2]]);
    expect(vi.getTimerCount()).toBe(0);
    input.next(3);
    vi.advanceTimersByTime(20);
    expect(out).toEqual([[1, 2], [3]]);
  });

  it("stops listening to flushes once unsubscribed", () => {
    const flushes = new Subject<void>();
    const sub = new Subject<number>().pipe(bufferTimeOrCount(20, 100, flushes)).subscribe();
    expect(flushes.observed).toBe(true);
    sub.unsubscribe();
    expect(flushes.observed).toBe(false);
  });
});
