import { describe, expect, it, vi } from "vitest";
import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import type { QualityConfig } from "../../src/quality/prober.js";
import { startQualityProber } from "../../src/quality/prober.js";
import { clusteredPoints, linearSubspace } from "./synthetic.js";

const HOUR = 3_600_000;
const config: QualityConfig = {
  recallProbeIntervalMs: HOUR,
  recallProbeQueries: 8,
  recallK: 5,
  lidIntervalMs: HOUR,
  lidSampleSize: 50,
  lidK: 10,
};

function filled(points: readonly Float32Array[]): BruteForceIndex {
  const index = new BruteForceIndex({ dim: points[0].length, metric: "l2" });
  points.forEach((v, i) => index.upsert(`p${i}`, v));
  return index;
}

describe("quality prober", () => {
  it("reports recall and LID per collection, and nothing for an empty one", async () => {
    const recall = vi.fn();
    const lid = vi.fn();
    const prober = startQualityProber({
      collections: [
        { name: "full", index: filled(linearSubspace(500, 3, 16, 1)), defaultEf: 16 },
        { name: "empty", index: new BruteForceIndex({ dim: 16, metric: "l2" }), defaultEf: 16 },
      ],
      config,
      onRecall: recall,
      onLid: lid,
    });
    await prober.runRecallProbe();
    await prober.runLidProbe();
    await prober.stop();
    expect(recall.mock.calls).toEqual([["full", 1, 8]]);
    expect(lid).toHaveBeenCalledTimes(1);
    expect(lid.mock.calls[0][0]).toBe("full");
    expect(lid.mock.calls[0][1]).toBeGreaterThan(2.4);
    expect(lid.mock.calls[0][1]).toBeLessThan(3.6);
    expect(lid.mock.calls[0][2]).toBe(50);
  });

  it("probes with recorded search vectors of the right dimension before live points", async () => {
    const index = filled(clusteredPoints(200, 8, 4, 0.2, 2));
    const searched: number[][] = [];
    const search = index.search.bind(index);
    index.search = (q, k, o) => {
      searched.push(Array.from(q));
      return search(q, k, o);
    };
    const prober = startQualityProber({
      collections: [{ name: "c", index: () => index, defaultEf: 8 }],
      config: { ...config, recallProbeQueries: 2 },
      onRecall: () => {},
      onLid: () => {},
    });
    prober.recordQuery("c", [9, 9, 9, 9, 9, 9, 9, 9]);
    prober.recordQuery("c", [1, 2]);
    prober.recordQuery("unknown", [1, 2, 3]);
    await prober.runRecallProbe();
    await prober.stop();
    expect(searched).toHaveLength(2);
    expect(searched).toContainEqual([9, 9, 9, 9, 9, 9, 9, 9]);
  });

  it("runs probes on its own timers", async () => {
    const recall = vi.fn();
    const prober = startQualityProber({
      collections: [{ name: "c", index: filled(clusteredPoints(100, 8, 2, 0.1, 3)), defaultEf: 8 }],
      config: { ...config, recallProbeIntervalMs: 10 },
      onRecall: recall,
      onLid: () => {},
    });
    await vi.waitFor(() => expect(recall).toHaveBeenCalled(), { timeout: 10_000 });
    await prober.stop();
  });

  it("passes a failing probe to onError and keeps the other collections going", async () => {
    const broken = filled(clusteredPoints(50, 4, 2, 0.1, 4));
    broken.search = () => {
      throw new Error("engine fault");
    };
    const errors = vi.fn();
    const recall = vi.fn();
    const prober = startQualityProber({
      collections: [
        { name: "broken", index: broken, defaultEf: 8 },
        { name: "fine", index: filled(clusteredPoints(50, 4, 2, 0.1, 5)), defaultEf: 8 },
      ],
      config,
      onRecall: recall,
      onLid: () => {},
      onError: errors,
    });
    await prober.runRecallProbe();
    await prober.stop();
    expect(errors).toHaveBeenCalledWith(
      "broken",
      "recall",
      expect.objectContaining({ message: "engine fault" }),
    );
    expect(recall).toHaveBeenCalledWith("fine", 1, 8);
  });

  it("abandons a running scan when stopped, without reporting it", async () => {
    const recall = vi.fn();
    const prober = startQualityProber({
      collections: [{ name: "c", index: filled(clusteredPoints(2000, 8, 4, 0.2, 6)), defaultEf: 8 }],
      config,
      onRecall: recall,
      onLid: () => {},
      budget: { sliceMs: Infinity, maxVectorsPerSlice: 10 },
    });
    const probe = prober.runRecallProbe();
    await new Promise((resolve) => setImmediate(resolve));
    await prober.stop();
    await probe;
    expect(recall).not.toHaveBeenCalled();
  });
});
