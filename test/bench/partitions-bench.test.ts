import { describe, expect, it } from "vitest";

import type { LayoutRecord } from "../../bench/partitions/layout.js";
import { layoutRatios, median } from "../../bench/partitions/layout-ratios.js";
import { buildPerPartition } from "../../bench/partitions/layouts.js";
import { groundTruthWithout, mergeTopK, smallestEfReaching } from "../../bench/partitions/merge.js";
import { assignPartitions, kafkaPartition } from "../../bench/partitions/partitioner.js";
import { SeededRandom } from "../../src/index/random.js";

/** murmur2 of these keys, from Java Kafka's own `UtilsTest.testMurmur2`. */
const JAVA_MURMUR2: Record<string, number> = {
  "21": -973932308,
  foobar: -790332482,
  "a-little-bit-long-string": -985981536,
  "a-little-bit-longer-string": -1486304829,
  lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
  abc: 479470107,
};

describe("partition assignment of benchmark points", () => {
  it("puts a key where Java Kafka's default partitioner puts it", () => {
    for (const [key, hash] of Object.entries(JAVA_MURMUR2)) {
      for (const partitions of [2, 3, 4, 8, 12]) {
        expect(kafkaPartition(key, partitions)).toBe((hash & 0x7fffffff) % partitions);
      }
    }
  });

  it("assigns every row a partition in range, the same one on every call, spread over all of them", () => {
    const parts = assignPartitions(8000, 8);
    expect([...assignPartitions(8000, 8)]).toEqual([...parts]);
    const counts = new Array<number>(8).fill(0);
    for (const p of parts) counts[p]++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(kafkaPartition("1234", 8)).toBe(parts[1234]);
  });

  it("refuses a partition count the layouts cannot index", () => {
    expect(() => assignPartitions(10, 0)).toThrow(/partitions must be an integer/);
    expect(() => assignPartitions(10, 256)).toThrow(/from 1 to 255/);
  });
});

describe("merging per-partition results", () => {
  it("keeps the k nearest hits over all lists, nearest first, earlier list first on ties", () => {
    const merged = mergeTopK(
      [
        [
          { id: "a", distance: 1 },
          { id: "b", distance: 3 },
        ],
        [
          { id: "c", distance: 0.5 },
          { id: "d", distance: 1 },
        ],
        [],
      ],
      3,
    );
    expect(merged.map((h) => h.id)).toEqual(["c", "a", "d"]);
  });

  it("returns the exact top-k of the union when each partition graph is searched exhaustively", () => {
    const rng = new SeededRandom(7);
    const dim = 8;
    const n = 400;
    const base = Float32Array.from({ length: n * dim }, () => rng.nextGaussian());
    const partitionOf = assignPartitions(n, 4);
    const { layout } = buildPerPartition({ dim, metric: "l2", n, base }, partitionOf, 4);
    const query = Float32Array.from({ length: dim }, () => rng.nextGaussian());
    const exact = Array.from({ length: n }, (_, r) => {
      let d = 0;
      for (let i = 0; i < dim; i++) d += (base[r * dim + i] - query[i]) ** 2;
      return { r, d };
    }).sort((a, b) => a.d - b.d);
    const hits = layout.search(query, 10, n);
    expect(hits.map((h) => Number(h.id))).toEqual(exact.slice(0, 10).map((e) => e.r));
  });
});

describe("ground truth after a revoke", () => {
  it("keeps each query's first k true neighbours outside the revoked partition", () => {
    const gt = [0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0];
    const partitionOf = [0, 1, 0, 1, 0, 1];
    expect([...groundTruthWithout(gt, 6, partitionOf, 1, 2)]).toEqual([0, 2, 4, 2]);
  });

  it("refuses to score against a short list when too few true neighbours remain", () => {
    expect(() => groundTruthWithout([0, 1, 2], 3, [1, 1, 0], 1, 2)).toThrow(/only 1 of its 3/);
  });
});

describe("choosing ef at a target recall", () => {
  it("picks the smallest ef reaching the target, or null when none does", () => {
    const sweep = [
      { ef: 32, recall: 0.97 },
      { ef: 16, recall: 0.93 },
      { ef: 64, recall: 0.995 },
    ];
    expect(smallestEfReaching(sweep, 0.95)).toBe(32);
    expect(smallestEfReaching(sweep, 0.99)).toBe(64);
    expect(smallestEfReaching(sweep, 0.999)).toBeNull();
  });
});

function record(layout: LayoutRecord["layout"], qps: number[], p99: number, revokeMs: number): LayoutRecord {
  const revoke = {
    points: 10,
    gone_ms: revokeMs,
    repair_ms: 0,
    total_ms: revokeMs,
    tombstones_after: 0,
    unreachable_after: 0,
    memory_bytes_before: 2,
    memory_bytes_after: 1,
    process_memory_delta_bytes: null,
    mode: "drop" as const,
    partition: 0,
    recall_after: [],
  };
  const seconds = qps.length;
  const total = qps.reduce((a, b) => a + b, 0);
  return {
    dataset: "d",
    metric: "l2",
    n: 100,
    nq: 10,
    partitions: 2,
    layout,
    build_s: 4,
    build_inserts_per_s: 25,
    memory_bytes: 1000,
    memory_bytes_per_point: 10,
    sweep: [],
    at_recall: [
      {
        target: 0.95,
        ef: 16,
        recall_at_10: 0.96,
        qps: total / seconds,
        qps_cpu: total / seconds,
        qps_per_round: qps,
        qps_cpu_per_round: qps,
        p50_ms: 1,
        p99_ms: p99,
      },
    ],
    revoke,
    revoke_one_by_one: null,
    restore: {
      source: "HNSW graph",
      points: 10,
      snapshot_bytes: 1,
      seconds: 1,
      s_per_100k: 1,
      memory_bytes_after: 1,
      recall_after: [],
    },
  };
}

describe("layout ratios", () => {
  it("divides per-partition figures by per-member ones, round by round, and applies the 10% QPS bound", () => {
    const ratios = layoutRatios(
      record("per_member", [100, 200], 2, 50),
      record("per_partition", [95, 170], 3, 5),
    );
    const search = ratios.search[0];
    expect(search.qps_ratio).toBeCloseTo(265 / 300);
    expect(search.qps_ratio_per_round).toEqual([0.95, 0.85]);
    expect(search.qps_ratio_median_round).toBeCloseTo(0.9);
    expect(search.qps_cpu_ratio_median_round).toBeCloseTo(0.9);
    expect(search.p99_ratio).toBeCloseTo(1.5);
    expect(search.per_partition_within_qps_bound).toBe(false);
    expect(ratios.revoke_total_ratio).toBeCloseTo(0.1);
  });

  it("takes the median of the ratios that exist, averaging the middle two of an even count", () => {
    expect(median([3, null, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null])).toBeNull();
  });

  it("counts a per-partition layout within 10% of the member's QPS as within the bound", () => {
    const ratios = layoutRatios(record("per_member", [100], 2, 1), record("per_partition", [91], 2, 1));
    expect(ratios.search[0].per_partition_within_qps_bound).toBe(true);
  });
});
