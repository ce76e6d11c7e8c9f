/**
 * `bufferTimeOrCount`: the writer's batching operator. Collects values into arrays emitted when
 * `maxCount` values are in hand, or `maxMs` after the first value of the array arrived, whichever
 * comes first; on completion the partial array is emitted, then completion. Each emission of the
 * optional `flushes` emits the partial array at once (nothing when it is empty): the writer uses it to
 * take what is buffered as soon as it is idle instead of waiting out `maxMs`. A value for which the
 * optional `isBarrier` is true is never batched: the partial array before it is emitted, then the
 * barrier alone as `[barrier]`, so it keeps its place in the order (the writer's between-batch tasks).
 *
 * Why not rxjs's `bufferTime(maxMs, null, maxCount)`: its window timer runs whether or not anything
 * arrives, so an idle collection wakes the process every `maxMs`. Here the timer only runs while a
 * partial array waits, and a message never waits more than `maxMs` for its batch to close.
 */

import { Observable, type OperatorFunction } from "rxjs";

export function bufferTimeOrCount<T>(
  maxMs: number,
  maxCount: number,
  flushes?: Observable<unknown>,
  isBarrier?: (value: T) => boolean,
): OperatorFunction<T, T[]> {
  if (!(maxCount >= 1)) throw new RangeError(`maxCount must be at least 1, got ${maxCount}`);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let buffer: T[] = [];
      let timer: ReturnType<typeof setTimeout> | undefined;
      const flush = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (buffer.length === 0) return;
        const out = buffer;
        buffer = [];
        subscriber.next(out);
      };
      const flushSubscription = flushes?.subscribe(() => flush());
      const subscription = source.subscribe({
        next(value) {
          if (isBarrier?.(value)) {
            flush();
            subscriber.next([value]);
            return;
          }
          buffer.push(value);
          if (buffer.length >= maxCount) flush();
          else if (timer === undefined) timer = setTimeout(flush, maxMs);
        },
        error(err: unknown) {
          if (timer !== undefined) clearTimeout(timer);
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        if (timer !== undefined) clearTimeout(timer);
        flushSubscription?.unsubscribe();
        subscription.unsubscribe();
      };
    });
}
