/**
 * Decoder micro-benchmark: the hand-checked JSON decoder of `src/stream/wire.ts` against the same
 * checks written as a zod v4 schema, and the raw float32 format, at 128 and 1024 dimensions.
 *
 * Run: `npx tsx bench/stream/decode.ts` (prints a table; `--json` prints JSON). Seeded data, small sizes.
 */
import { z } from "zod";
import { decodeMessage, F32_CONTENT_TYPE, type WireMessage } from "../../src/stream/wire.js";
import { encodeUpsert } from "../../src/producer/encode.js";
import { SeededRandom } from "../../src/index/random.js";

function messages(dim: number, n: number, format: "json" | "f32"): WireMessage[] {
  const rng = new SeededRandom(dim);
  const rand = () => rng.next();
  return Array.from({ length: n }, (_, i) => {
    const v = Array.from({ length: dim }, () => rand() * 2 - 1);
    const m = encodeUpsert(`id-${i}`, v, format === "json" ? { i } : undefined, { format });
    const value = typeof m.value === "string" ? Buffer.from(m.value) : (m.value as Buffer);
    return {
      key: Buffer.from(`id-${i}`),
      value,
      headers: m.headers as WireMessage["headers"],
      offset: String(i),
      timestamp: "0",
    };
  });
}

function zodDecoder(dim: number) {
  const schema = z.object({
    vector: z.array(z.number()).length(dim),
    payload: z.record(z.string(), z.unknown()).optional(),
  });
  return (m: WireMessage) => {
    const doc = schema.parse(JSON.parse((m.value as Buffer).toString("utf8")));
    return Float32Array.from(doc.vector);
  };
}

function time(label: string, n: number, fn: () => void): { label: string; usPerMessage: number } {
  fn(); // warm-up
  const t0 = performance.now();
  fn();
  return { label, usPerMessage: ((performance.now() - t0) * 1000) / n };
}

const rows = [];
for (const dim of [128, 1024]) {
  const n = dim === 128 ? 5000 : 1000;
  const json = messages(dim, n, "json");
  const raw = messages(dim, n, "f32");
  const opts = { dim, metric: "l2" as const, maxMessageBytes: 1 << 20 };
  const viaZod = zodDecoder(dim);
  rows.push({ dim, ...time("json hand check", n, () => json.forEach((m) => decodeMessage(m, 0, opts))) });
  rows.push({ dim, ...time("json zod v4", n, () => json.forEach((m) => viaZod(m))) });
  rows.push({
    dim,
    ...time("json parse only", n, () => json.forEach((m) => JSON.parse((m.value as Buffer).toString()))),
  });
  rows.push({
    dim,
    ...time(`raw ${F32_CONTENT_TYPE}`, n, () => raw.forEach((m) => decodeMessage(m, 0, opts))),
  });
}
if (process.argv.includes("--json")) console.log(JSON.stringify(rows));
else console.table(rows.map((r) => ({ ...r, usPerMessage: r.usPerMessage.toFixed(1) })));
