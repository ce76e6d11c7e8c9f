/**
 * Exact-size reads over a stream of buffers, for parsing a snapshot without holding the file in memory.
 *
 * Contract: `read(n)` resolves with exactly `n` bytes or throws `SnapshotError` TRUNCATED; it copies
 * only when a read straddles two input chunks.
 */

import { SnapshotError } from "./errors.js";

export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #pos = 0;
  #consumed = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Bytes handed out so far (the file offset of the next read). */
  get position(): number {
    return this.#consumed;
  }

  async read(n: number): Promise<Uint8Array> {
    const available = this.#chunk.length - this.#pos;
    if (available >= n) {
      const out = this.#chunk.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
      this.#consumed += n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.#pos === this.#chunk.length) {
        const next = await this.#source.next();
        if (next.done) {
          throw new SnapshotError(
            "TRUNCATED",
            `snapshot ends at byte ${this.#consumed + filled}, expected ${n - filled} more`,
          );
        }
        this.#chunk = next.value;
        this.#pos = 0;
      }
      const take = Math.min(n - filled, this.#chunk.length - this.#pos);
      out.set(this.#chunk.subarray(this.#pos, this.#pos + take), filled);
      this.#pos += take;
      filled += take;
    }
    this.#consumed += n;
    return out;
  }

  async u32(): Promise<number> {
    const b = await this.read(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  /** True when the source has no byte left. */
  async atEnd(): Promise<boolean> {
    if (this.#pos < this.#chunk.length) return false;
    const next = await this.#source.next();
    if (next.done) return true;
    this.#chunk = next.value;
    this.#pos = 0;
    return this.#chunk.length === 0 ? this.atEnd() : false;
  }
}

export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
