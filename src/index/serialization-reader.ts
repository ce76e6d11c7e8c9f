/**
 * The reading half of the snapshot framing (layout in serialization-frame.ts).
 *
 * Contract: `FrameReader` pulls chunks from a sync or async iterable one at a time and never joins
 * them: small fields are served as views of the current chunk (or a tiny copy when a field straddles
 * two chunks), bulk data is copied straight into the caller's typed arrays. A view is never kept past
 * the request for the next chunk, so a source may reuse a chunk's memory then. Every byte read feeds the
 * running CRC-32C that checkpoints are compared against. Damage (truncation, a wrong tag or length, a
 * checksum mismatch, trailing bytes) is reported as `IndexError` CORRUPT_INDEX naming the section being
 * read, the byte offset, and what was expected there.
 */

import { Crc32c } from "./crc32.js";
import { IndexError } from "./errors.js";
import { bytesOf } from "./serialization-frame.js";
import { MAX_ID_LENGTH } from "./validation.js";

type ChunkSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const EMPTY = new Uint8Array(0);

export class FrameReader {
  readonly #source: AsyncIterator<unknown> | Iterator<unknown>;
  readonly #crc = new Crc32c();
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  #ended = false;
  #sectionEnd = 0;
  /** Absolute offset of the next byte to read. */
  offset = 0;
  /** What is being read, for error messages. */
  section = "header";

  constructor(source: ChunkSource) {
    const asyncIterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator];
    if (typeof asyncIterator === "function") {
      this.#source = asyncIterator.call(source);
    } else if (source !== null && typeof (source as Iterable<Uint8Array>)[Symbol.iterator] === "function") {
      this.#source = (source as Iterable<Uint8Array>)[Symbol.iterator]();
    } else {
      throw new IndexError(
        "INVALID_PARAMETER",
        "a snapshot must be read from an iterable of Uint8Array chunks",
        {},
      );
    }
  }

  corrupt(message: string, details: Record<string, unknown> = {}): IndexError {
    return new IndexError(
      "CORRUPT_INDEX",
      `corrupt index snapshot, ${this.section} (byte ${this.offset}): ${message}`,
      { section: this.section, offset: this.offset, ...details },
    );
  }

  /** Runs `build`, reporting an `IndexError` it throws (a rejected parameter or id) as damage here. */
  asCorrupt<T>(build: () => T): T {
    try {
      return build();
    } catch (error) {
      if (error instanceof IndexError && error.code !== "CORRUPT_INDEX")
        throw this.corrupt(error.message, error.details);
      throw error;
    }
  }

  /** `n` bytes as a view of the current chunk, or undefined when they are not all in it yet. */
  take(n: number): Uint8Array | undefined {
    if (this.#chunk.length - this.#pos < n) return undefined;
    const view = this.#chunk.subarray(this.#pos, this.#pos + n);
    this.#consume(n, view);
    return view;
  }

  /** `n` bytes (n small: a field, not a section), waiting for further chunks when needed. */
  async read(n: number): Promise<Uint8Array> {
    const view = this.take(n);
    if (view !== undefined) return view;
    const out = new Uint8Array(n);
    await this.readInto(out);
    return out;
  }

  /** Fills `target` from the stream, chunk by chunk. */
  async readInto(target: Uint8Array): Promise<void> {
    let filled = 0;
    while (filled < target.length) {
      if (this.#pos === this.#chunk.length && !(await this.#nextChunk())) {
        throw this.corrupt(`the data ends ${target.length - filled} bytes early`, {
          missing: target.length - filled,
        });
      }
      const n = Math.min(target.length - filled, this.#chunk.length - this.#pos);
      const piece = this.#chunk.subarray(this.#pos, this.#pos + n);
      target.set(piece, filled);
      this.#consume(n, piece);
      filled += n;
    }
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0];
  }

  async u16(): Promise<number> {
    const b = await this.read(2);
    return b[0] | (b[1] << 8);
  }

  async u32(): Promise<number> {
    const b = await this.read(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  async i32(): Promise<number> {
    return (await this.u32()) | 0;
  }

  async ascii(length: number): Promise<string> {
    return String.fromCharCode(...(await this.read(length)));
  }

  /** Reads a checkpoint and compares it with the CRC of every byte before it. */
  async checkpoint(): Promise<void> {
    const computed = this.#crc.value;
    const stored = await this.u32();
    if (stored !== computed) {
      throw this.corrupt(`checksum mismatch: stored ${hex(stored)}, computed ${hex(computed)}`, {
        stored,
        computed,
      });
    }
  }

  /**
   * Opens a section: checks its tag and that its announced length is `expected` (or within
   * `[min, max]` for variable-length sections), names it in later errors, and returns the length.
   */
  async openSection(tag: string, expected: number | { min: number; max: number }): Promise<number> {
    this.section = `section ${tag}`;
    const found = await this.ascii(4);
    if (found !== tag) throw this.corrupt(`expected section tag ${tag}, found ${JSON.stringify(found)}`);
    const length = (await this.u32()) + (await this.u32()) * 2 ** 32;
    const [min, max] = typeof expected === "number" ? [expected, expected] : [expected.min, expected.max];
    if (length < min || length > max) {
      const want = min === max ? `${min}` : `${min} to ${max}`;
      throw this.corrupt(`expected ${want} bytes of payload, the section announces ${length}`, {
        expected: want,
        received: length,
      });
    }
    this.#sectionEnd = this.offset + length;
    return length;
  }

  /** Closes the section opened last: its payload must be fully consumed, then its checkpoint matches. */
  async closeSection(): Promise<void> {
    if (this.offset !== this.#sectionEnd) {
      throw this.corrupt(`payload ends at byte ${this.offset}, the section announced ${this.#sectionEnd}`);
    }
    await this.checkpoint();
  }

  /** Confirms that nothing follows the trailer. */
  async expectEnd(): Promise<void> {
    while (this.#pos === this.#chunk.length) {
      if (!(await this.#nextChunk())) return;
    }
    throw this.corrupt(`${this.#chunk.length - this.#pos} unexpected bytes after the trailer`);
  }

  /** Gives up on the rest of the input (after an error), letting a file stream close its handle. */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      await this.#source.return?.();
    }
  }

  #consume(n: number, bytes: Uint8Array): void {
    this.#crc.update(bytes);
    this.#pos += n;
    this.offset += n;
  }

  async #nextChunk(): Promise<boolean> {
    for (;;) {
      if (this.#ended) return false;
      const step = await this.#source.next();
      if (step.done === true) {
        this.#ended = true;
        return false;
      }
      const chunk = step.value;
      if (!(chunk instanceof Uint8Array)) {
        throw new IndexError(
          "INVALID_PARAMETER",
          "snapshot chunks must be Uint8Array (a stream without encoding)",
          {
            received: typeof chunk,
          },
        );
      }
      if (chunk.length === 0) continue;
      this.#chunk = chunk;
      this.#pos = 0;
      return true;
    }
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

/** Reads an `IDS ` section of `count` ids, checking each is a valid id. */
export async function readIdSection(r: FrameReader, count: number): Promise<string[]> {
  await r.openSection("IDS ", { min: 4 * count, max: (2 + 2 * MAX_ID_LENGTH) * count });
  const scratch = new Uint16Array(MAX_ID_LENGTH);
  const scratchBytes = bytesOf(scratch);
  const ids = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const head = r.take(2) ?? (await r.read(2));
    const length = head[0] | (head[1] << 8);
    if (length < 1 || length > MAX_ID_LENGTH) {
      throw r.corrupt(`id ${i} has length ${length}, expected 1 to ${MAX_ID_LENGTH}`);
    }
    scratchBytes.set(r.take(2 * length) ?? (await r.read(2 * length)));
    ids[i] = String.fromCharCode.apply(null, scratch.subarray(0, length) as unknown as number[]);
  }
  await r.closeSection();
  return ids;
}
