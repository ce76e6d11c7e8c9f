import { readFileSync } from "node:fs";
import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { benchServiceConfig } from "../../bench/stream/stream-service.js";
import { probeDeltas } from "../../bench/stream/stream-report.js";
import type { StreamRecord } from "../../bench/stream/stream-report.js";
import {
  histogramQuantile,
  parseHistogram,
  percentile,
  sampleValue,
  summarize,
} from "../../bench/stream/stream-stats.js";
import { deepMerge, parseConfig } from "../../src/config.js";

async function exposition(values: number[], buckets: number[]): Promise<string> {
  const registry = new Registry();
  const histogram = new Histogram({
    name: "t_seconds",
    help: "test",
    labelNames: ["collection"],
    buckets,
    registers: [registry],
  });
  for (const v of values) histogram.observe({ collection: "bench" }, v);
  histogram.observe({ collection: "other" }, 1000);
  return registry.metrics();
}

describe("stream benchmark statistics", () => {
  it("takes the nearest-rank percentile of sorted samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 0.5)).toBe(50);
    expect(percentile(samples, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(Number.isNaN(percentile([], 0.5))).toBe(true);
  });

  it("summarizes unsorted samples without reordering the caller's array", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(summarize(samples)).toEqual({ count: 5, p50: 3, p99: 5, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
  });

  it("reads only the buckets of the series with the requested labels", async () => {
    const text = await exposition([0.2, 0.3, 3], [0.1, 0.5, 1, 5]);
    const buckets = parseHistogram(text, "t_seconds", { collection: "bench" });
    expect(buckets).toEqual([
      { le: 0.1, count: 0 },
      { le: 0.5, count: 2 },
      { le: 1, count: 2 },
      { le: 5, count: 3 },
      { le: Infinity, count: 3 },
    ]);
  });

  it("interpolates a quantile inside its bucket like histogram_quantile", async () => {
    // 100 observations spread evenly over (0.5, 1]: the median falls halfway through that bucket.
    const values = Array.from({ length: 100 }, (_, i) => 0.5 + (i + 1) / 200);
    const buckets = parseHistogram(await exposition(values, [0.5, 1, 2]), "t_seconds", {
      collection: "bench",
    });
    expect(histogramQuantile(buckets, 0.5)).toBeCloseTo(0.75, 10);
    expect(histogramQuantile(buckets, 0.99)).toBeCloseTo(0.995, 10);
  });

  it("answers the last finite bound when the quantile lies in the +Inf bucket, and NaN when empty", () => {
    const overflow = [
      { le: 1, count: 1 },
      { le: Infinity, count: 10 },
    ];
    expect(histogramQuantile(overflow, 0.99)).toBe(1);
    expect(Number.isNaN(histogramQuantile([{ le: Infinity, count: 0 }], 0.5))).toBe(true);
  });

  it("reads a plain sample and a labelled one by exact name", () => {
    const text = [
      "process_cpu_seconds_total 12.5",
      'x_seconds_sum{collection="other"} 1',
      'x_seconds_sum{collection="bench"} 2.25',
      'x_seconds_sum_extra{collection="bench"} 9',
    ].join("\n");
    expect(sampleValue(text, "process_cpu_seconds_total")).toBe(12.5);
    expect(sampleValue(text, "x_seconds_sum", { collection: "bench" })).toBe(2.25);
    expect(Number.isNaN(sampleValue(text, "x_seconds"))).toBe(true);
  });
});

describe("stream benchmark setup and report", () => {
  it("generates a service configuration the service accepts, with probes on or off", () => {
    const defaults: unknown = JSON.parse(readFileSync("config/default.json", "utf8"));
    const base = { brokers: ["127.0.0.1:1"], topic: "bench-stream-0", dim: 128, fetchMaxWaitMs: 200 };
    const on = parseConfig(deepMerge(defaults, benchServiceConfig({ ...base, probeIntervalMs: 1000 })));
    const off = parseConfig(deepMerge(defaults, benchServiceConfig({ ...base, probeIntervalMs: undefined })));
    expect(on.quality.recallProbeIntervalMs).toBe(1000);
    expect(on.quality.lidIntervalMs).toBe(1000);
    expect(off.quality.recallProbeIntervalMs).toBeGreaterThan(3_600_000);
    expect(on.collections[0]).toMatchObject({ M: 16, efConstruction: 200, ef: 64, topic: "bench-stream-0" });
    expect(on.snapshots.intervalMs).toBeGreaterThan(3_600_000);
  });

  it("pairs each probes-on run with the probes-off run at the same rate", () => {
    const record = (rate: number | "full", probes: boolean, idle: number, ingest: number) =>
      ({
        rate_target: rate,
        quality_probes: probes,
        search_p99_ms_idle: idle,
        search_p99_ms_ingest: ingest,
      }) as StreamRecord;
    const deltas = probeDeltas([
      record("full", false, 5, 9),
      record(1000, false, 4, 8),
      record(1000, true, 6.5, 20),
      record(5000, true, 1, 1),
    ]);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]).toMatchObject({ rate_target: 1000, delta_p99_ms_idle: 2.5, delta_p99_ms_ingest: 12 });
  });
});
