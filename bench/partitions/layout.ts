/**
 * The engine-level half of `bench:partitions`: one graph per member against one graph per partition,
 * for each partition count P the member holds, on one dataset.
 *
 * Per P it assigns points to partitions as Kafka's default partitioner assigns their ids
 * (partitioner.ts), builds the partition graphs (the member graph is built once, since it does not
 * depend on P, and restored fresh from its snapshot for each P so every P starts from the same graph),
 * sweeps ef for each layout, times both at the smallest ef reaching each target recall@10, interleaved
 * (search-timing.ts), then revokes one partition from each layout, scores recall@10 of the points left
 * at the same ef, restores the partition from its snapshot and scores recall again (revoke-restore.ts).
 * The member layout is revoked both ways (`RevokeMode`): one by one on a throwaway copy of the fresh
 * graph, then in bulk on the graph the searches ran on, which the restore then refills.
 *
 * Contract: `compareLayouts` returns one `LayoutRecord` per layout and P (the JSON's
 * `layout_per_member` and `layout_per_partition`) and one `LayoutRatios` per P, per_partition /
 * per_member. Nothing here asserts a figure.
 */

import type { HnswIndex } from "../../src/index/index.js";
import { deserializeIndex } from "../../src/index/index.js";
import type { BenchDataset } from "../lib/bench-datasets.js";
import type { Layout, LayoutName } from "./layouts.js";
import type { PerPartitionLayout } from "./layouts.js";
import { PerMemberLayout, buildPerMember, buildPerPartition } from "./layouts.js";
import type { SweepPoint } from "./merge.js";
import { groundTruthWithout } from "./merge.js";
import { assignPartitions } from "./partitioner.js";
import type { PartitionSnapshot, RestoreFigures, RevokeFigures, RevokeMode } from "./revoke-restore.js";
import {
  dropPartition,
  restoreIntoMember,
  restorePartition,
  revokeFromMember,
  snapshotGraph,
  snapshotPointList,
} from "./revoke-restore.js";
import type { AtRecall, QuerySet, TimingOptions, Truth } from "./search-timing.js";
import { compareAtRecall, queryRows, recallAt, sweepRecall } from "./search-timing.js";
import type { LayoutRatios } from "./layout-ratios.js";
import { layoutRatios } from "./layout-ratios.js";

const K = 10;

export interface LayoutOptions extends TimingOptions {
  partitions: readonly number[];
  efs: readonly number[];
  /** The partition revoked and restored. */
  revoked: number;
}

/** Recall@10 of the points a layout holds, at the ef chosen for one target before the revoke. */
export interface RecallAfter {
  target: number;
  ef: number | null;
  recall_at_10: number | null;
}

export interface RevokeRecord extends RevokeFigures {
  mode: RevokeMode | "drop";
  partition: number;
  recall_after: RecallAfter[];
}

export interface LayoutRecord {
  dataset: string;
  metric: string;
  n: number;
  nq: number;
  partitions: number;
  layout: LayoutName;
  build_s: number;
  build_inserts_per_s: number;
  memory_bytes: number;
  memory_bytes_per_point: number;
  sweep: SweepPoint[];
  at_recall: AtRecall[];
  /** The member layout's bulk revoke, or the partition layout's drop. */
  revoke: RevokeRecord;
  /** The member layout's revoke as the service applies deletes today; null for the partition layout. */
  revoke_one_by_one: RevokeRecord | null;
  restore: RestoreFigures & { recall_after: RecallAfter[] };
}

export interface LayoutComparison {
  per_member: LayoutRecord[];
  per_partition: LayoutRecord[];
  ratios: LayoutRatios[];
}

function recallsAfter(layout: Layout, set: QuerySet, chosen: AtRecall[], truth: Truth): RecallAfter[] {
  return chosen.map(({ target, ef }) => ({
    target,
    ef,
    recall_at_10: ef === null ? null : recallAt(layout, set, ef, truth),
  }));
}

async function graphFrom(snapshot: PartitionSnapshot): Promise<HnswIndex> {
  return (await deserializeIndex(snapshot.chunks)) as HnswIndex;
}

/** What one layout measured at one P, before it becomes a record. */
interface Measured<L extends Layout = Layout> {
  layout: L;
  build_s: number;
  sweep: SweepPoint[];
  at_recall: AtRecall[];
  memory_bytes: number;
}

interface Lifecycle {
  revoke: RevokeRecord;
  revoke_one_by_one: RevokeRecord | null;
  restore: LayoutRecord["restore"];
}

function toRecord(data: BenchDataset, partitions: number, m: Measured, life: Lifecycle): LayoutRecord {
  return {
    dataset: data.name,
    metric: data.metric,
    n: data.n,
    nq: data.nq,
    partitions,
    layout: m.layout.name,
    build_s: m.build_s,
    build_inserts_per_s: data.n / m.build_s,
    memory_bytes: m.memory_bytes,
    memory_bytes_per_point: m.memory_bytes / data.n,
    sweep: m.sweep,
    at_recall: m.at_recall,
    ...life,
  };
}

/** Sweeps and times both layouts at equal recall; returns what each measured. */
function measureSearch(layouts: Layout[], builds: number[], set: QuerySet, o: LayoutOptions): Measured[] {
  const stopAt = Math.max(...o.targets);
  const sweeps = layouts.map((layout) => {
    const sweep = sweepRecall(layout, set, o.efs, stopAt);
    o.log(`  ${layout.name}: ${sweep.map((p) => `ef ${p.ef} ${p.recall.toFixed(4)}`).join(", ")}`);
    return sweep;
  });
  const timed = compareAtRecall(layouts, sweeps, set, o);
  return layouts.map((layout, i) => ({
    layout,
    build_s: builds[i],
    sweep: sweeps[i],
    at_recall: timed[i],
    memory_bytes: layout.memoryBytes(),
  }));
}

/** What a revoke and the restore after it need to know about one P. */
interface LifecycleInput {
  data: BenchDataset;
  set: QuerySet;
  /** The fresh member graph, to revoke one by one from a throwaway copy. */
  memberGraph: PartitionSnapshot;
  partitionOf: Uint8Array;
  o: LayoutOptions;
}

function scored(
  m: Measured,
  mode: RevokeRecord["mode"],
  figures: RevokeFigures,
  input: LifecycleInput,
  truthAfter: Truth,
): RevokeRecord {
  const recall_after = recallsAfter(m.layout, input.set, m.at_recall, truthAfter);
  return { ...figures, mode, partition: input.o.revoked, recall_after };
}

/** The member layout's one-by-one revoke, on a copy of the fresh graph that is garbage once this returns. */
async function revokeOneByOne(
  member: Measured<PerMemberLayout>,
  rows: readonly number[],
  input: LifecycleInput,
  truth: Truth,
): Promise<RevokeRecord> {
  const copy = { ...member, layout: new PerMemberLayout(await graphFrom(input.memberGraph)) };
  return scored(copy, "one_by_one", await revokeFromMember(copy.layout, rows, "one_by_one"), input, truth);
}

/** Revokes partition `o.revoked` from both layouts, scores the rest, restores it, scores again. */
async function measureLifecycle(
  member: Measured<PerMemberLayout>,
  part: Measured<PerPartitionLayout>,
  input: LifecycleInput,
): Promise<[Lifecycle, Lifecycle]> {
  const { data, set, partitionOf, o } = input;
  const rows: number[] = [];
  for (let r = 0; r < data.n; r++) if (partitionOf[r] === o.revoked) rows.push(r);
  const listSnapshot = snapshotPointList(data, rows);
  const partSnapshot = snapshotGraph(part.layout.graphs[o.revoked] as HnswIndex);
  const truth = { gt: groundTruthWithout(data.gt, data.gtK, partitionOf, o.revoked, K), gtK: K };
  const oneByOne = await revokeOneByOne(member, rows, input, truth);
  const bulk = scored(member, "bulk", await revokeFromMember(member.layout, rows, "bulk"), input, truth);
  const drop = scored(part, "drop", await dropPartition(part.layout, o.revoked), input, truth);
  o.log(
    `  revoke ${rows.length} points: member one by one ${oneByOne.total_ms.toFixed(0)} ms, bulk ${bulk.total_ms.toFixed(0)} ms, partition ${drop.total_ms.toFixed(3)} ms`,
  );
  const restored = [
    await restoreIntoMember(member.layout, listSnapshot),
    await restorePartition(part.layout, o.revoked, partSnapshot),
  ];
  o.log(
    `  restore: member ${restored[0].seconds.toFixed(2)} s, partition ${restored[1].seconds.toFixed(2)} s`,
  );
  const [memberRestore, partRestore] = [member, part].map((m, i) => ({
    ...restored[i],
    recall_after: recallsAfter(m.layout, set, m.at_recall, set),
  }));
  return [
    { revoke: bulk, revoke_one_by_one: oneByOne, restore: memberRestore },
    { revoke: drop, revoke_one_by_one: null, restore: partRestore },
  ];
}

async function comparePartitionCount(
  data: BenchDataset,
  set: QuerySet,
  memberBuild: { snapshot: PartitionSnapshot; seconds: number },
  partitions: number,
  o: LayoutOptions,
): Promise<[LayoutRecord, LayoutRecord]> {
  const partitionOf = assignPartitions(data.n, partitions);
  const memberLayout = new PerMemberLayout(await graphFrom(memberBuild.snapshot));
  const part = buildPerPartition(data, partitionOf, partitions);
  o.log(`${data.name} P=${partitions}: partition graphs built in ${part.seconds.toFixed(1)} s`);
  const builds = [memberBuild.seconds, part.seconds];
  const [member, perPartition] = measureSearch([memberLayout, part.layout], builds, set, o);
  const m = { ...member, layout: memberLayout };
  const p = { ...perPartition, layout: part.layout };
  const input = { data, set, memberGraph: memberBuild.snapshot, partitionOf, o };
  const [memberLife, partLife] = await measureLifecycle(m, p, input);
  return [toRecord(data, partitions, m, memberLife), toRecord(data, partitions, p, partLife)];
}

export async function compareLayouts(data: BenchDataset, o: LayoutOptions): Promise<LayoutComparison> {
  const set: QuerySet = { queries: queryRows(data.queries, data.dim), gt: data.gt, gtK: data.gtK, k: K };
  const built = buildPerMember(data);
  o.log(`${data.name}: member graph of ${data.n} built in ${built.seconds.toFixed(1)} s`);
  const memberBuild = { snapshot: snapshotGraph(built.layout.graph), seconds: built.seconds };
  const out: LayoutComparison = { per_member: [], per_partition: [], ratios: [] };
  for (const partitions of o.partitions) {
    const [member, perPartition] = await comparePartitionCount(data, set, memberBuild, partitions, o);
    out.per_member.push(member);
    out.per_partition.push(perPartition);
    out.ratios.push(layoutRatios(member, perPartition));
  }
  return out;
}
