import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseRate, RateLimiter } from "../../src/producer/rate.js";
import { lastOffsetsOf } from "../../src/producer/send.js";
import { fvecsRows, fvecsShape } from "../../src/producer/fvecs-stream.js";
import { deleteMessages, ndjsonMessages, SourceError } from "../../src/producer/sources.js";
import { DatasetError } from "../../src/datasets/errors.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vecstream-producer-"));
  return () => rmSync(dir, { recursive: true, force: true });
});

/** Writes rows in the TEXMEX layout: int32 dim, then dim float32, little-endian. */
function writeFvecsFile(path: string, rows: number[][]): void {
  const dim = rows[0].length;
  const buf = Buffer.alloc(rows.length * (4 + 4 * dim));
  rows.forEach((row, r) => {
    buf.writeInt32LE(row.length, r * (4 + 4 * dim));
    row.forEach((x, j) => buf.writeFloatLE(x, r * (4 + 4 * dim) + 4 + 4 * j));
  });
  writeFileSync(path, buf);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("parseRate", () => {
  it("reads messages per second from N, N/s and N/min", () => {
    expect(parseRate("1000")).toBe(1000);
    expect(parseRate("250/s")).toBe(250);
    expect(parseRate("600/min")).toBe(10);
  });

  it.each(["", "0/s", "-5/s", "fast", "10/h"])("refuses %j", (text) => {
    expect(() => parseRate(text)).toThrow(/--rate/);
  });
});

describe("RateLimiter", () => {
  it("schedules message i no earlier than start + i / rate", () => {
    let now = 1000;
    const limiter = new RateLimiter(100, () => now); // 10 ms per message
    expect(limiter.delayBefore(10)).toBe(0);
    expect(limiter.delayBefore(10)).toBe(100); // messages 10..19 are due at +100 ms
    now += 250; // a slow stretch: behind schedule, no wait, and no burst credit either
    expect(limiter.delayBefore(10)).toBe(0);
    expect(limiter.delayBefore(10)).toBe(50); // due at +300, now at +250
  });
});

describe("lastOffsetsOf", () => {
  it("turns base offsets and per-partition counts into the last offset written per partition", () => {
    const counts = new Map([
      [0, 3],
      [2, 1],
    ]);
    const results = [
      { partition: 0, baseOffset: "10" },
      { partition: 2, baseOffset: "0" },
      { partition: 1, baseOffset: "5" }, // nothing of ours went there
    ];
    expect(lastOffsetsOf(counts, results)).toEqual(
      new Map([
        [0, 12],
        [2, 0],
      ]),
    );
  });
});

describe("fvecsRows", () => {
  it("streams the rows from --start for --limit rows, in order", async () => {
    const path = join(dir, "five.fvecs");
    writeFvecsFile(
      path,
      [0, 1, 2, 3, 4].map((i) => [i, i / 2]),
    );
    expect(await fvecsShape(path)).toEqual({ dim: 2, rows: 5 });
    const rows = await collect(fvecsRows(path, { start: 1, limit: 3, chunkRows: 2 }));
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3]);
    expect(rows.map((r) => Array.from(r.vector))).toEqual([
      [1, 0.5],
      [2, 1],
      [3, 1.5],
    ]);
    expect(await collect(fvecsRows(path, { start: 9 }))).toEqual([]);
  });

  it("refuses a file that ends inside a row or changes dimension", async () => {
    const cut = join(dir, "cut.fvecs");
    writeFileSync(
      cut,
      Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64]), Buffer.from([1])]),
    );
    await expect(fvecsShape(cut)).rejects.toMatchObject({ code: "TRUNCATED_FILE" });
    const mixed = join(dir, "mixed.fvecs");
    const a = Buffer.alloc(12);
    a.writeInt32LE(2, 0);
    const b = Buffer.alloc(12);
    b.writeInt32LE(1, 0);
    writeFileSync(mixed, Buffer.concat([a, b]));
    await expect(collect(fvecsRows(mixed))).rejects.toBeInstanceOf(DatasetError);
    await expect(fvecsShape(join(dir, "absent.fvecs"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("message sources", () => {
  it("encodes NDJSON lines into keyed upserts and skips blank lines", async () => {
    const path = join(dir, "points.ndjson");
    writeFileSync(path, '{"id":"a","vector":[1,2],"payload":{"t":1}}\n\n{"id":"b","vector":[3,4]}\n');
    const messages = await collect(ndjsonMessages(path, "json"));
    expect(messages.map((m) => m.key)).toEqual(["a", "b"]);
    expect(JSON.parse(String(messages[0].value))).toEqual({ vector: [1, 2], payload: { t: 1 } });
  });

  it("names the file and line of a malformed NDJSON line", async () => {
    const path = join(dir, "bad.ndjson");
    writeFileSync(path, '{"id":"a","vector":[1,2]}\n{"id":3,"vector":[1,2]}\n');
    await expect(collect(ndjsonMessages(path, "json"))).rejects.toThrow(SourceError);
    await expect(collect(ndjsonMessages(path, "json"))).rejects.toThrow(
      /bad\.ndjson:2: "id" must be a string/,
    );
  });

  it("turns ids from arguments and a file into tombstones", async () => {
    const path = join(dir, "ids.txt");
    writeFileSync(path, "x\n y \n\n");
    const messages = await collect(deleteMessages(["a"], path));
    expect(messages).toEqual([
      { key: "a", value: null },
      { key: "x", value: null },
      { key: "y", value: null },
    ]);
  });
});
