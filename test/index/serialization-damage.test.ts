/**
 * Damaged snapshots: every truncation, every sampled single-bit flip, a wrong magic, a future version
 * and trailing bytes are refused with a typed error that says where and what was expected.
 */

import { describe, expect, it } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { IndexError } from "../../src/index/errors.js";
import { LIVE } from "../../src/index/hnsw-graph-view.js";
import { HnswIndex } from "../../src/index/hnsw-index.js";
import { SeededRandom } from "../../src/index/random.js";
import { FORMAT_VERSION, READABLE_VERSIONS } from "../../src/index/serialization-frame.js";
import { deserializeIndex, serializeIndex } from "../../src/index/serialization.js";
import type { SerializableIndex } from "../../src/index/serialization.js";
import { randomVector } from "./contract-helpers.js";

function snapshotOf(index: SerializableIndex): Uint8Array {
  const chunks = [...serializeIndex(index)];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((at, c) => (out.set(c, at), at + c.length), 0);
  return out;
}

function* split(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function rejection(bytes: Uint8Array, chunkSize = 61): Promise<IndexError> {
  try {
    await deserializeIndex(split(bytes, chunkSize));
  } catch (error) {
    if (error instanceof IndexError) return error;
    throw error;
  }
  throw new Error(`a damaged snapshot of ${bytes.length} bytes was accepted`);
}

/** Small indexes with tombstones and free slots, so every section has content. */
function samples(): [string, Uint8Array][] {
  const rng = new SeededRandom(9);
  const hnsw = new HnswIndex({ dim: 4, metric: "cosine", M: 4, efConstruction: 20, seed: 3 });
  const brute = new BruteForceIndex({ dim: 4, metric: "l2" });
  for (let i = 0; i < 60; i++) {
    const v = randomVector(rng, 4);
    hnsw.upsert(`id${i}`, v);
    brute.upsert(`id${i}`, v);
  }
  for (let i = 0; i < 60; i += 7) {
    hnsw.delete(`id${i}`);
    brute.delete(`id${i}`);
  }
  return [
    ["hnsw", snapshotOf(hnsw)],
    ["brute-force", snapshotOf(brute)],
  ];
}

describe.each(samples())("a damaged %s snapshot", (_kind, bytes) => {
  it("loads when undamaged (the baseline for the cases below)", async () => {
    const index = await deserializeIndex(split(bytes, 61));
    expect(index.size).toBe(51);
  });

  it("is refused as CORRUPT_INDEX when cut at any byte", async () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      const error = await rejection(bytes.subarray(0, cut));
      expect(error.code, `cut at ${cut}`).toBe("CORRUPT_INDEX");
    }
  });

  it("is refused when any sampled bit is flipped", async () => {
    const rng = new SeededRandom(bytes.length);
    // Every byte of the frame header and the first section head, then a seeded sample of the rest.
    const positions = Array.from({ length: 96 }, (_, i) => i);
    for (let i = 0; i < 400; i++) positions.push(96 + rng.nextInt(bytes.length - 96));
    for (const at of positions) {
      const damaged = bytes.slice();
      damaged[at] ^= 1 << rng.nextInt(8);
      const error = await rejection(damaged);
      // A version this build cannot read is named as such; one it can read fails the header checksum.
      const version = damaged[6] | (damaged[7] << 8);
      const unreadable = (at === 6 || at === 7) && !READABLE_VERSIONS.includes(version);
      const expected = unreadable ? "UNSUPPORTED_VERSION" : "CORRUPT_INDEX";
      expect(error.code, `bit flipped in byte ${at}`).toBe(expected);
    }
  });

  it("names the damaged section and the checksum when a payload byte changes", async () => {
    const damaged = bytes.slice();
    // A byte of the second float of the VECS payload (tag 4 bytes, length 8, then the floats).
    const vecsTag = findAscii(bytes, "VECS");
    damaged[vecsTag + 12 + 5] ^= 0x10;
    const error = await rejection(damaged);
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/section VECS.*checksum mismatch/);
    expect(error.details).toMatchObject({ section: "section VECS" });
  });

  it("is refused with a clear message when the magic is wrong", async () => {
    const damaged = bytes.slice();
    damaged.set([0x50, 0x4b, 0x03, 0x04], 0);
    const error = await rejection(damaged);
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/not a vecstream index: expected magic VSHNSW/);
  });

  it.each([FORMAT_VERSION + 1, 1])(
    "is refused as UNSUPPORTED_VERSION when written in format version %s",
    async (version) => {
      const other = bytes.slice();
      other[6] = version;
      const error = await rejection(other);
      expect(error.code).toBe("UNSUPPORTED_VERSION");
      expect(error.details).toMatchObject({ version, supported: READABLE_VERSIONS });
      expect(error.message).toContain(`format version ${version}; this build reads versions 2, 3`);
    },
  );

  it("is refused when bytes follow the trailer", async () => {
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    const error = await rejection(longer);
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/3 unexpected bytes after the trailer/);
  });
});

describe("a damaged consolidation pass (PASS section)", () => {
  /** An HNSW index saved while a delete-consolidation pass is part-way through. */
  function midPass(): HnswIndex {
    const rng = new SeededRandom(12);
    const index = new HnswIndex({ dim: 4, metric: "l2", M: 4, efConstruction: 20, seed: 3 });
    for (let i = 0; i < 120; i++) index.upsert(`id${i}`, randomVector(rng, 4));
    for (let i = 0; !index.consolidating; i += 3) index.delete(`id${i}`);
    return index;
  }

  /** The snapshot with the PASS payload rewritten by `edit` and every later checkpoint recomputed. */
  function withPass(index: HnswIndex, edit: (words: Uint32Array) => void): Uint8Array {
    const pass = index.view().consolidation;
    if (pass === null) throw new Error("no pass in progress");
    const saved = { doomed: pass.doomed.slice(), cursor: pass.cursor };
    const words = Uint32Array.from([saved.cursor, ...saved.doomed]);
    edit(words);
    // Swapping the pass in through the view keeps the framing (and its checksums) honest.
    const original = index.view.bind(index);
    index.view = () => ({ ...original(), consolidation: { cursor: words[0], doomed: words.slice(1) } });
    try {
      return snapshotOf(index);
    } finally {
      index.view = original;
    }
  }

  it("is refused as CORRUPT_INDEX when a doomed slot is a live node", async () => {
    const index = midPass();
    const graph = index.view().graph;
    const live = Array.from({ length: graph.nodeCount }, (_, s) => graph.state(s)).indexOf(LIVE);
    const pass = index.view().consolidation;
    const bytes = withPass(index, (w) => {
      w[1] = live;
      w.subarray(1).sort();
    });
    expect(pass?.doomed.includes(live)).toBe(false);
    const error = await rejection(bytes);
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/consolidation pass/);
  });

  it("is refused as CORRUPT_INDEX when a doomed slot repeats", async () => {
    const index = midPass();
    const error = await rejection(withPass(index, (w) => (w[2] = w[1])));
    expect(error.code).toBe("CORRUPT_INDEX");
    expect(error.message).toMatch(/section PASS.*does not ascend/);
  });
});

describe("snapshot input", () => {
  it("rejects an empty input as CORRUPT_INDEX", async () => {
    expect((await rejection(new Uint8Array(0))).code).toBe("CORRUPT_INDEX");
  });

  it("rejects string chunks, as from a stream with an encoding set", async () => {
    await expect(deserializeIndex(["VSHNSW"] as unknown as Uint8Array[])).rejects.toMatchObject({
      code: "INVALID_PARAMETER",
    });
  });
});

function findAscii(bytes: Uint8Array, tag: string): number {
  outer: for (let i = 0; i + tag.length <= bytes.length; i++) {
    for (let j = 0; j < tag.length; j++) if (bytes[i + j] !== tag.charCodeAt(j)) continue outer;
    return i;
  }
  throw new Error(`tag ${tag} not found`);
}
