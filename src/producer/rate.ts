/**
 * Pacing for the producer CLI: `--rate 1000/s` parsing and a schedule-based limiter.
 *
 * Contract: `RateLimiter.delayBefore(n)` returns how long to wait before sending the next `n` messages
 * so that, over the run, message `i` is not sent before `start + i / rate`. It keeps no bucket of unused
 * credit beyond the schedule, so a slow stretch is followed by a catch-up at full speed, never by a
 * burst above what the schedule allows. Pure: the clock is injected.
 */

export class RateError extends Error {
  readonly code = "INVALID_RATE";
}

const UNITS: Record<string, number> = { s: 1, sec: 1, m: 60, min: 60 };

/** Parses `1000`, `1000/s` or `60000/min` into messages per second. */
export function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([a-z]+))?\s*$/i.exec(text);
  const unit = match?.[2]?.toLowerCase() ?? "s";
  const perUnit = match ? Number(match[1]) : NaN;
  if (!match || !(perUnit > 0) || UNITS[unit] === undefined) {
    throw new RateError(`--rate must look like 1000/s or 60000/min, got "${text}"`);
  }
  return perUnit / UNITS[unit];
}

export class RateLimiter {
  readonly #perSecond: number;
  readonly #now: () => number;
  #start: number | undefined;
  #scheduled = 0;

  constructor(perSecond: number, now: () => number = () => performance.now()) {
    this.#perSecond = perSecond;
    this.#now = now;
  }

  /** Milliseconds to wait before sending `n` more messages (0 when on or behind schedule). */
  delayBefore(n: number): number {
    const now = this.#now();
    this.#start ??= now;
    const due = this.#start + (this.#scheduled * 1000) / this.#perSecond;
    this.#scheduled += n;
    return Math.max(0, due - now);
  }
}
