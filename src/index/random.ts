/**
 * A small seedable pseudo-random source (SplitMix32 state advance, Mulberry32 output).
 *
 * Contract: the same seed gives the same sequence on every machine, so level assignment, tests and
 * benchmarks are reproducible. Not cryptographic.
 */

export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float uniformly distributed in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer uniformly distributed in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal deviate (Box-Muller; one of the pair is discarded for simplicity). */
  nextGaussian(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** The internal state, so a serialized index can resume the same sequence. */
  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value >>> 0;
  }
}
