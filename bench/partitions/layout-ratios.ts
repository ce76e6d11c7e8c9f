/**
 * Ratios per_partition / per_member of one P's two layout records, and the rule applied to
 * them: the per-partition layout's search QPS at equal recall may cost at most 10%.
 *
 * Contract: pure; a ratio is null when either side is missing (a layout that never reached a
 * target recall). `qps_ratio_per_round` pairs the interleaved rounds (round i of one layout with
 * round i of the other), which shows how steady the pooled ratio is on a shared machine; its median
 * (and that of the CPU-time ratios) is the figure least moved by a burst of someone else's load.
 */

import { ratio } from "../lib/report.js";
import type { LayoutRecord } from "./layout.js";

/** The bound on what the faster layout may cost in search QPS. */
export const MAX_QPS_COST = 0.1;

export interface SearchRatio {
  target: number;
  ef_per_member: number | null;
  ef_per_partition: number | null;
  qps_ratio: number | null;
  qps_cpu_ratio: number | null;
  qps_ratio_per_round: (number | null)[];
  qps_ratio_median_round: number | null;
  qps_cpu_ratio_median_round: number | null;
  p99_ratio: number | null;
  /** qps_ratio >= 1 - MAX_QPS_COST, or null without a ratio. */
  per_partition_within_qps_bound: boolean | null;
}

export interface LayoutRatios {
  dataset: string;
  partitions: number;
  search: SearchRatio[];
  build_time_ratio: number | null;
  memory_ratio: number | null;
  revoke_gone_ratio: number | null;
  revoke_total_ratio: number | null;
  restore_ratio: number | null;
}

/** Median of the non-null values (mean of the middle two for an even count); null for none. */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const perRound = (ours: readonly number[], theirs: readonly number[]): (number | null)[] =>
  ours.map((q, r) => ratio(q, theirs[r] ?? null));

function searchRatio(member: LayoutRecord, part: LayoutRecord, i: number): SearchRatio {
  const m = member.at_recall[i];
  const p = part.at_recall[i];
  const qps = ratio(p.qps, m.qps);
  const rounds = perRound(p.qps_per_round, m.qps_per_round);
  return {
    target: m.target,
    ef_per_member: m.ef,
    ef_per_partition: p.ef,
    qps_ratio: qps,
    qps_cpu_ratio: ratio(p.qps_cpu, m.qps_cpu),
    qps_ratio_per_round: rounds,
    qps_ratio_median_round: median(rounds),
    qps_cpu_ratio_median_round: median(perRound(p.qps_cpu_per_round, m.qps_cpu_per_round)),
    p99_ratio: ratio(p.p99_ms, m.p99_ms),
    per_partition_within_qps_bound: qps === null ? null : qps >= 1 - MAX_QPS_COST,
  };
}

export function layoutRatios(member: LayoutRecord, part: LayoutRecord): LayoutRatios {
  if (member.dataset !== part.dataset || member.partitions !== part.partitions) {
    throw new Error("layout ratios compare records of one dataset and partition count");
  }
  return {
    dataset: member.dataset,
    partitions: member.partitions,
    search: member.at_recall.map((_, i) => searchRatio(member, part, i)),
    build_time_ratio: ratio(part.build_s, member.build_s),
    memory_ratio: ratio(part.memory_bytes, member.memory_bytes),
    revoke_gone_ratio: ratio(part.revoke.gone_ms, member.revoke.gone_ms),
    revoke_total_ratio: ratio(part.revoke.total_ms, member.revoke.total_ms),
    restore_ratio: ratio(part.restore.seconds, member.restore.seconds),
  };
}
