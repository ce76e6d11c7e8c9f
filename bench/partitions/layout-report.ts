/**
 * Markdown tables of the layout comparison: search at equal recall (with the ratios the decision
 * rests on), and build, memory, revoke and restore per layout. Contract: reads records, prints
 * nothing itself; a missing figure shows as "-".
 */

import type { Cell } from "../lib/report.js";
import { fixed, markdownTable } from "../lib/report.js";
import type { LayoutComparison, LayoutRecord, RecallAfter } from "./layout.js";

const MIB = 1024 * 1024;

const mib = (bytes: number | undefined): number | null => (bytes === undefined ? null : bytes / MIB);

const pair = (a: Cell, b: Cell): string => `${a ?? "-"} / ${b ?? "-"}`;

export function searchTable(c: LayoutComparison): string {
  const rows: Cell[][] = [];
  c.ratios.forEach((r, i) => {
    const member = c.per_member[i];
    const part = c.per_partition[i];
    r.search.forEach((s, t) => {
      const m = member.at_recall[t];
      const p = part.at_recall[t];
      rows.push([
        r.dataset,
        r.partitions,
        s.target,
        pair(m.ef, p.ef),
        pair(fixed(m.recall_at_10, 4), fixed(p.recall_at_10, 4)),
        fixed(m.qps, 0),
        fixed(p.qps, 0),
        fixed(s.qps_ratio, 2),
        fixed(s.qps_cpu_ratio, 2),
        fixed(s.qps_ratio_median_round, 2),
        fixed(s.qps_cpu_ratio_median_round, 2),
        s.qps_ratio_per_round.map((x) => fixed(x, 2)).join(", "),
        pair(fixed(m.p99_ms, 2), fixed(p.p99_ms, 2)),
      ]);
    });
  });
  const headers = [
    "dataset",
    "P",
    "recall target",
    "ef member / partition",
    "recall@10 member / partition",
    "QPS member",
    "QPS partition",
    "QPS ratio",
    "QPS/CPU-s ratio",
    "median round ratio",
    "median round CPU ratio",
    "ratio per round",
    "p99 ms member / partition",
  ];
  return markdownTable(headers, rows);
}

function recallAt(list: RecallAfter[], target: number): string | null {
  return fixed(list.find((r) => r.target === target)?.recall_at_10, 4);
}

function lifecycleRow(r: LayoutRecord, target: number): Cell[] {
  return [
    r.dataset,
    r.partitions,
    r.layout,
    fixed(r.build_s, 1),
    fixed(r.memory_bytes / MIB, 1),
    r.revoke.points,
    pair(fixed(r.revoke.gone_ms, 3), fixed(r.revoke.repair_ms, 0)),
    r.revoke_one_by_one === null
      ? null
      : pair(fixed(r.revoke_one_by_one.gone_ms, 0), fixed(r.revoke_one_by_one.repair_ms, 0)),
    fixed(r.revoke.memory_bytes_after / MIB, 1),
    fixed(mib(r.revoke.process_memory_delta_bytes?.rss), 1),
    recallAt(r.revoke.recall_after, target),
    fixed(r.restore.s_per_100k, 2),
    recallAt(r.restore.recall_after, target),
  ];
}

export function lifecycleTable(c: LayoutComparison, target: number): string {
  const rows = c.per_member.flatMap((m, i) => [
    lifecycleRow(m, target),
    lifecycleRow(c.per_partition[i], target),
  ]);
  const headers = [
    "dataset",
    "P",
    "layout",
    "build s",
    "memory MiB",
    "revoked points",
    "revoke (bulk or drop): gone / repair ms",
    "revoke one by one: gone / repair ms",
    "MiB after revoke",
    "process RSS change MiB",
    `recall@10 after revoke (ef @${target})`,
    "restore s / 100k",
    `recall@10 after restore (ef @${target})`,
  ];
  return markdownTable(headers, rows);
}
