import { existsSync } from "node:fs";
import { join } from "node:path";

import { afterAll, describe, expect, it } from "vitest";

import { readFvecs, readIvecs, vecsRows, writeFvecs, writeIvecs } from "../../src/datasets/index.js";
import { DATA_DIR, codeOf, encodeVecs, makeTempDir, writeBytes } from "./helpers.js";

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());

const rows = [
  [0.5, -1.25, 3],
  [4, 5.5, -6],
  [7, 8, 9.75],
  [1e-3, -0, 180],
  [2, 4, 8],
];

describe("readFvecs", () => {
  it("returns the dimension, the row count and the rows packed back to back", () => {
    const path = writeBytes(tmp.file("a.fvecs"), encodeVecs(rows, "f32"));
    const read = readFvecs(path);
    expect(read.dim).toBe(3);
    expect(read.count).toBe(rows.length);
    expect(Array.from(read.data)).toEqual(rows.flat().map((v) => Math.fround(v)));
  });

  it("returns only the first rows when given a limit", () => {
    const path = writeBytes(tmp.file("b.fvecs"), encodeVecs(rows, "f32"));
    const read = readFvecs(path, { limit: 2 });
    expect(read.count).toBe(2);
    expect(Array.from(read.data)).toEqual(
      rows
        .slice(0, 2)
        .flat()
        .map((v) => Math.fround(v)),
    );
  });

  it("reads an empty file as zero rows", () => {
    const path = writeBytes(tmp.file("empty.fvecs"), new Uint8Array(0));
    expect(readFvecs(path)).toMatchObject({ dim: 0, count: 0 });
  });

  it("rejects a file that ends inside a row", () => {
    const bytes = encodeVecs(rows, "f32");
    const path = writeBytes(tmp.file("cut.fvecs"), bytes.subarray(0, bytes.length - 4));
    expect(codeOf(() => readFvecs(path))).toBe("TRUNCATED_FILE");
  });

  it("rejects rows that declare different dimensions", () => {
    const path = writeBytes(
      tmp.file("mixed.fvecs"),
      encodeVecs(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        "f32",
        [2, 7, 2],
      ),
    );
    expect(codeOf(() => readFvecs(path))).toBe("INCONSISTENT_DIMENSION");
  });

  it("rejects a missing file with NOT_FOUND", () => {
    expect(codeOf(() => readFvecs(tmp.file("absent.fvecs")))).toBe("NOT_FOUND");
  });
});

describe("readIvecs", () => {
  it("returns int32 rows exactly, including negative values", () => {
    const ints = [
      [0, 1, 2, 3],
      [-1, 2147483647, -2147483648, 42],
    ];
    const read = readIvecs(writeBytes(tmp.file("a.ivecs"), encodeVecs(ints, "i32")));
    expect(read).toMatchObject({ dim: 4, count: 2 });
    expect(Array.from(read.data)).toEqual(ints.flat());
  });
});

describe("writeFvecs and writeIvecs", () => {
  it("write files that read back bit for bit", () => {
    const data = new Float32Array([1.5, Number.NaN, -0, 3.4e38, 1e-45, 7]);
    writeFvecs(tmp.file("w.fvecs"), { dim: 2, count: 3, data });
    const back = readFvecs(tmp.file("w.fvecs"));
    expect(back).toMatchObject({ dim: 2, count: 3 });
    expect(new Uint32Array(back.data.buffer)).toEqual(new Uint32Array(data.buffer));

    const ints = new Int32Array([5, -6, 7, -8]);
    writeIvecs(tmp.file("w.ivecs"), { dim: 4, count: 1, data: ints });
    expect(readIvecs(tmp.file("w.ivecs")).data).toEqual(ints);
  });

  it("refuses data whose length is not count times dim", () => {
    expect(
      codeOf(() => writeFvecs(tmp.file("bad.fvecs"), { dim: 3, count: 2, data: new Float32Array(5) })),
    ).toBe("INVALID_HEADER");
  });
});

describe("vecsRows", () => {
  it("streams every row in order across chunk boundaries", () => {
    const path = writeBytes(tmp.file("s.fvecs"), encodeVecs(rows, "f32"));
    const streamed = [...vecsRows(path, "fvecs", 2)];
    expect(streamed.map((r) => r.row)).toEqual([0, 1, 2, 3, 4]);
    expect(streamed.map((r) => Array.from(r.vector))).toEqual(
      rows.map((row) => row.map((v) => Math.fround(v))),
    );
    expect(streamed[0].vector).toBeInstanceOf(Float32Array);
  });

  it("yields int32 rows for ivecs", () => {
    const path = writeBytes(
      tmp.file("s.ivecs"),
      encodeVecs(
        [
          [1, 2],
          [3, 4],
        ],
        "i32",
      ),
    );
    const streamed = [...vecsRows(path, "ivecs", 1)];
    expect(streamed[1].vector).toBeInstanceOf(Int32Array);
    expect(Array.from(streamed[1].vector)).toEqual([3, 4]);
  });

  it("yields copies the caller may keep after the next chunk is read", () => {
    const path = writeBytes(tmp.file("k.fvecs"), encodeVecs(rows, "f32"));
    const kept = [...vecsRows(path, "fvecs", 1)].map((r) => r.vector);
    expect(Array.from(kept[0])).toEqual(rows[0].map((v) => Math.fround(v)));
  });

  it("throws TRUNCATED_FILE when the file ends inside a row", () => {
    const bytes = encodeVecs(rows, "f32");
    const path = writeBytes(tmp.file("scut.fvecs"), bytes.subarray(0, bytes.length - 2));
    expect(codeOf(() => [...vecsRows(path, "fvecs", 2)])).toBe("TRUNCATED_FILE");
  });
});

const siftBase = join(DATA_DIR, "siftsmall", "siftsmall_base.fvecs");
const siftGt = join(DATA_DIR, "siftsmall", "siftsmall_groundtruth.ivecs");

describe.skipIf(!existsSync(siftBase))(
  "the real siftsmall files (skipped: ../shared/data/siftsmall absent)",
  () => {
    it("read as 10,000 base vectors of 128 dimensions and 100 ground-truth rows of 100 ids", () => {
      const base = readFvecs(siftBase);
      expect(base).toMatchObject({ dim: 128, count: 10_000 });
      const gt = readIvecs(siftGt);
      expect(gt).toMatchObject({ dim: 100, count: 100 });
      expect(Math.max(...gt.data)).toBeLessThan(10_000);
    });

    it("stream the same rows the whole-file reader returns", () => {
      const base = readFvecs(siftBase, { limit: 300 });
      let n = 0;
      for (const { row, vector } of vecsRows(siftBase, "fvecs", 128)) {
        if (row >= 300) break;
        expect(vector).toEqual(base.data.subarray(row * 128, (row + 1) * 128));
        n++;
      }
      expect(n).toBe(300);
    });
  },
);
