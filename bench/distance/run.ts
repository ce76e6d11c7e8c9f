/**
 * `npm run bench:distance`: JS typed-array distance kernels against the WASM SIMD ones, per distance.
 *
 * Contract: runs `worker.ts` once per (metric, dim, variant) in a fresh process, one at a time (the box
 * is shared: never in parallel), checks that every variant summed the same distances (so a fast but
 * wrong kernel cannot win), prints Markdown tables of ns per distance with the speedup against the
 * production kernel (`js-unroll4`), and writes everything, raw samples included, to
 * `bench/results/distance.json`.
 *
 *   npm run bench:distance                    dims 25,128,768,1536; 100k vectors (at most 320 MB per
 *                                             slab, so 52k at d=1536); metrics l2,cosine; 3 rounds
 *   npm run bench:distance -- --quick         dims 25,128; 20k vectors; 1 round of fewer, shorter repetitions
 *   npm run bench:distance -- --dims 128,1536 --metrics l2 --variants js-unroll4,wasm-pair
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import type { Metric } from "../../src/index/types.js";
import { median, VARIANTS } from "./worker.js";
import type { Pattern, Variant, WorkerResult } from "./worker.js";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
/** Workers resolve `--import tsx` from the repository root, wherever the runner was started. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS = fileURLToPath(new URL("../results/distance.json", import.meta.url));
const BASELINE: Variant = "js-unroll4";
const PATTERNS: readonly Pattern[] = ["random", "sequential"];
/** One slab per worker process at a time; the box is shared, so the widest vectors get fewer rows. */
const MAX_SLAB_BYTES = 320_000_000;

/** Rows of the slab at `dim`: `--vectors`, or fewer when that would pass MAX_SLAB_BYTES. */
export function vectorsFor(dim: number, requested: number): number {
  return Math.min(requested, Math.floor(MAX_SLAB_BYTES / (4 * dim)));
}
/** Float32 sums (WASM lanes, fround) drift from float64 ones by ~1e-6 per distance; 1e-4 flags bugs. */
const CHECKSUM_TOLERANCE = 1e-4;

const DESCRIPTIONS: Record<Variant, string> = {
  "js-unroll4": "(a) production JS kernel, unrolled by 4, over a Float32Array slab",
  "js-unroll8": "(b) JS unrolled by 8",
  "js-fround": "(b) JS with Math.fround (float32 arithmetic)",
  "js-views": "(b) JS over per-slot subarray views, no offsets",
  "wasm-pair": "(c) WASM SIMD, one call per pair via WasmVectorSlab.queryDistance",
  "wasm-pair-raw": "(c) WASM SIMD, one call per pair to the raw export",
  "wasm-batch-16": "(d) WASM SIMD, one call per 16 candidates (gather + read back included)",
  "wasm-batch-64": "(d) WASM SIMD, one call per 64 candidates (gather + read back included)",
};

export interface Cell {
  variant: Variant;
  metric: Metric;
  dim: number;
  /** Rows in the slab the slots were drawn from. */
  vectors: number;
  pattern: Pattern;
  /** Median of the samples of every round. */
  nsPerDistance: number;
  /** Best sample: the kernel's cost with the least interference from other processes. */
  minNsPerDistance: number;
  speedupVsBaseline: number;
  samples: number[];
  checksum: number;
}

interface Options {
  dims: number[];
  metrics: Metric[];
  variants: Variant[];
  vectors: number;
  reps: number;
  minMs: number;
  rounds: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      dims: { type: "string" },
      metrics: { type: "string", default: "l2,cosine" },
      variants: { type: "string", default: VARIANTS.join(",") },
      vectors: { type: "string" },
      rounds: { type: "string" },
    },
  });
  const variants = values.variants.split(",") as Variant[];
  const unknown = variants.filter((v) => !VARIANTS.includes(v));
  if (unknown.length > 0) throw new Error(`unknown variants ${unknown.join(", ")}`);
  if (!variants.includes(BASELINE)) variants.unshift(BASELINE);
  return {
    dims: (values.dims ?? (values.quick ? "25,128" : "25,128,768,1536")).split(",").map(Number),
    metrics: values.metrics.split(",") as Metric[],
    variants,
    vectors: Number(values.vectors ?? (values.quick ? 20_000 : 100_000)),
    reps: values.quick ? 3 : 7,
    minMs: values.quick ? 15 : 40,
    rounds: Number(values.rounds ?? (values.quick ? 1 : 3)),
  };
}

function runWorker(variant: Variant, metric: Metric, dim: number, opts: Options): WorkerResult {
  const args = ["--import", "tsx", WORKER, "--variant", variant, "--metric", metric, "--dim", String(dim)];
  args.push(
    "--vectors",
    String(vectorsFor(dim, opts.vectors)),
    "--reps",
    String(opts.reps),
    "--min-ms",
    String(opts.minMs),
  );
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`worker ${variant} ${metric} d=${dim} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop() ?? "") as WorkerResult;
}

/** What the rounds of one variant measured for one pattern. */
type Measured = Pick<Cell, "nsPerDistance" | "minNsPerDistance" | "samples" | "checksum">;

/** Pools the timed samples of every round of one variant: the median of all of them, and the best. */
function mergeRounds(runs: WorkerResult[]): Map<Pattern, Measured> {
  const merged = new Map<Pattern, Measured>();
  for (const pattern of PATTERNS) {
    const parts = runs.map((run) => run.results.find((p) => p.pattern === pattern));
    const samples = parts.flatMap((p) => p?.samples ?? []);
    const checksum = parts[0]?.checksum ?? Number.NaN;
    merged.set(pattern, {
      nsPerDistance: median(samples),
      minNsPerDistance: Math.min(...samples),
      samples,
      checksum,
    });
  }
  return merged;
}

/**
 * Runs every variant of one (metric, dim) for `rounds` rounds, rotating the order each round so that a
 * burst of load from the other users of the box does not always land on the same variant; checks the
 * checksums agree and derives speedups from the pooled medians.
 */
function runGroup(metric: Metric, dim: number, opts: Options): Cell[] {
  const runs = new Map<Variant, WorkerResult[]>(opts.variants.map((v) => [v, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (let i = 0; i < opts.variants.length; i++) {
      const variant = opts.variants[(i + round) % opts.variants.length];
      process.stderr.write(`  ${metric} d=${dim} round ${round + 1}/${opts.rounds} ${variant}\n`);
      runs.get(variant)?.push(runWorker(variant, metric, dim, opts));
    }
  }
  const merged = new Map([...runs].map(([variant, results]) => [variant, mergeRounds(results)]));
  const baseline = merged.get(BASELINE);
  if (baseline === undefined) throw new Error("the baseline variant did not run");
  return [...merged].flatMap(([variant, byPattern]) =>
    PATTERNS.map((pattern) => {
      const cell = byPattern.get(pattern);
      const ref = baseline.get(pattern);
      if (cell === undefined || ref === undefined) throw new Error(`no ${pattern} result for ${variant}`);
      const drift = Math.abs(cell.checksum - ref.checksum) / Math.max(1, Math.abs(ref.checksum));
      if (drift > CHECKSUM_TOLERANCE) {
        throw new Error(
          `${variant} ${metric} d=${dim} ${pattern}: checksum ${cell.checksum} != ${ref.checksum}`,
        );
      }
      return {
        variant,
        metric,
        dim,
        vectors: vectorsFor(dim, opts.vectors),
        pattern,
        ...cell,
        speedupVsBaseline: ref.nsPerDistance / cell.nsPerDistance,
      };
    }),
  );
}

/** Which statistic a table shows: the pooled median, or the best sample (least disturbed by load). */
type Statistic = "median" | "best";

function cellText(
  cells: Cell[],
  key: Pick<Cell, "variant" | "metric" | "dim" | "pattern">,
  stat: Statistic,
): string {
  const cell = cells.find(
    (x) =>
      x.variant === key.variant && x.metric === key.metric && x.dim === key.dim && x.pattern === key.pattern,
  );
  if (cell === undefined) return "-";
  if (stat === "median") return `${cell.nsPerDistance.toFixed(1)} (${cell.speedupVsBaseline.toFixed(2)}x)`;
  const base = cells.find(
    (x) =>
      x.variant === BASELINE && x.metric === key.metric && x.dim === key.dim && x.pattern === key.pattern,
  );
  const speedup = base === undefined ? Number.NaN : base.minNsPerDistance / cell.minNsPerDistance;
  return `${cell.minNsPerDistance.toFixed(1)} (${speedup.toFixed(2)}x)`;
}

/** Markdown tables per metric and statistic: a row per variant, a column per (dim, pattern). */
export function markdownTables(cells: Cell[], opts: Pick<Options, "dims" | "metrics" | "variants">): string {
  const columns = opts.dims.flatMap((dim) => PATTERNS.map((pattern) => ({ dim, pattern })));
  const lines: string[] = [];
  for (const metric of opts.metrics) {
    for (const stat of ["median", "best"] as const) {
      lines.push(`### ${metric}, ${stat} of samples: ns per distance (speedup vs ${BASELINE})`, "");
      lines.push(`| variant | ${columns.map((c) => `d=${c.dim} ${c.pattern}`).join(" | ")} |`);
      lines.push(`|---|${columns.map(() => "---:").join("|")}|`);
      for (const variant of opts.variants) {
        const row = columns.map((c) => cellText(cells, { variant, metric, ...c }, stat));
        lines.push(`| ${variant} | ${row.join(" | ")} |`);
      }
      lines.push("");
    }
  }
  lines.push(...opts.variants.map((v) => `- \`${v}\`: ${DESCRIPTIONS[v]}`));
  return lines.join("\n");
}

function main(): void {
  const opts = options();
  const startLoad = loadavg();
  const startedAt = new Date().toISOString();
  process.stderr.write(`distance bench: ${opts.vectors} vectors, dims ${opts.dims.join(",")}\n`);
  const cells = opts.metrics.flatMap((metric) => opts.dims.flatMap((dim) => runGroup(metric, dim, opts)));
  const table = markdownTables(cells, opts);
  const load = (l: number[]): string => l.map((x) => x.toFixed(1)).join("/");
  const rows = opts.dims.map((d) => `${vectorsFor(d, opts.vectors)} at d=${d}`).join(", ");
  console.log(`## Distance kernels, Node ${process.version}: slabs of ${rows}\n`);
  console.log(
    `${opts.rounds} round(s) x ${opts.reps} timed repetitions per cell; median and best sample shown.`,
  );
  console.log(
    `Load average ${load(startLoad)} at start, ${load(loadavg())} at end (${cpus().length} cores).\n`,
  );
  console.log(table);
  mkdirSync(fileURLToPath(new URL("../results/", import.meta.url)), { recursive: true });
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadavgStart: startLoad,
    loadavgEnd: loadavg(),
  };
  const node = { version: process.version, v8: process.versions.v8 };
  const report = { startedAt, finishedAt: new Date().toISOString(), node, machine, opts, cells };
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${RESULTS}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
