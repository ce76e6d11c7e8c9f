/**
 * The streaming benchmark's records and their presentation: one `StreamRecord` per run (a target rate
 * with the quality prober on or off), a Markdown table of them, and a second table with the prober's
 * effect on search latency (on minus off at the same rate).
 *
 * Contract: pure; numbers in records are rounded for reading (ms to 0.01, rates to whole upserts) and
 * a figure that could not be measured is null, never 0.
 */

import { fixed, markdownTable } from "../lib/report.js";
import type { IngestPassResult } from "./stream-ingest.js";
import type { ServiceFigures } from "./stream-service.js";
import type { SearcherReport } from "./stream-searcher.js";
import { summarize } from "./stream-stats.js";

export interface StreamRecord {
  rate_target: number | "full";
  quality_probes: boolean;
  n: number;
  /** Live points in the service once every offset was applied; anything but `n` voids the run. */
  points_at_end: number;
  throughput_upserts_per_s: number | null;
  /**
   * Whether the service kept up with a fixed target: the last upsert was visible within 5% (plus 1 s)
   * of the time the producer took to send them all at that rate. Null at full speed.
   */
  rate_sustained: boolean | null;
  /** End to end, measured by the bench: batch send time to seen visible through the HTTP API. */
  freshness_p50_ms: number | null;
  freshness_p99_ms: number | null;
  freshness_source: string;
  /** From the service's `vecstream_freshness_seconds` histogram (bucket interpolation), per message. */
  service_freshness_p50_ms: number | null;
  service_freshness_p99_ms: number | null;
  /** CPU seconds the service process used from ready to every upsert visible (all its threads). */
  service_cpu_seconds_ingest: number | null;
  /** Seconds inside batch applies in the service (the writer's share of that time). */
  service_apply_seconds: number | null;
  /**
   * The service's event-loop delay during each phase, from prom-client's `monitorEventLoopDelay`
   * (10 ms resolution): the figures include those 10 ms, so about 10 is an unloaded loop.
   */
  service_loop_delay_p99_ms_ingest: number | null;
  service_loop_delay_max_ms_ingest: number | null;
  service_loop_delay_p99_ms_idle: number | null;
  service_loop_delay_max_ms_idle: number | null;
  search_p50_ms_idle: number | null;
  search_p99_ms_idle: number | null;
  search_p50_ms_ingest: number | null;
  search_p99_ms_ingest: number | null;
  searches_idle: number;
  searches_ingest: number;
  search_errors: number;
  engine_inserts_per_s: number | null;
  ingest_seconds: number;
  produce_seconds: number;
  loadavg_1m_start: number;
  loadavg_1m_end: number;
}

/** Milliseconds to 0.01, null for NaN. */
export const ms = (value: number): number | null =>
  Number.isFinite(value) ? Math.round(value * 100) / 100 : null;

/** Rates to whole units, null for NaN. */
export const perSecond = (value: number): number | null =>
  Number.isFinite(value) ? Math.round(value) : null;

/** What one run measured, before rounding. */
export interface RunMeasurements {
  rate: number | "full";
  probes: boolean;
  pass: IngestPassResult;
  ingest: SearcherReport;
  idle: SearcherReport;
  /** The service's figures when ready (before the first send), once all was visible, after idle. */
  before: ServiceFigures;
  after: ServiceFigures;
  end: ServiceFigures;
  freshnessSource: string;
  engineRate: number | null;
  /** 1-minute load average at the run's start and end. */
  load1m: [number, number];
}

/** How much longer than the paced send the whole ingest may take for the run to count as keeping up. */
const SUSTAINED_SLACK = 1.05;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

export function toRecord(m: RunMeasurements): StreamRecord {
  const freshness = summarize(m.pass.freshnessMs);
  return {
    rate_target: m.rate,
    quality_probes: m.probes,
    n: m.pass.sent,
    points_at_end: m.pass.pointsAtEnd,
    throughput_upserts_per_s: perSecond(m.pass.throughputPerSecond),
    rate_sustained: m.rate === "full" ? null : m.pass.seconds <= SUSTAINED_SLACK * m.pass.produceSeconds + 1,
    freshness_p50_ms: ms(freshness.p50),
    freshness_p99_ms: ms(freshness.p99),
    freshness_source: m.freshnessSource,
    service_freshness_p50_ms: ms(m.after.freshnessP50Ms),
    service_freshness_p99_ms: ms(m.after.freshnessP99Ms),
    service_cpu_seconds_ingest: ms(m.after.cpuSeconds - m.before.cpuSeconds),
    service_apply_seconds: ms(m.after.applySeconds),
    service_loop_delay_p99_ms_ingest: ms(m.after.loopDelayP99Ms),
    service_loop_delay_max_ms_ingest: ms(m.after.loopDelayMaxMs),
    service_loop_delay_p99_ms_idle: ms(m.end.loopDelayP99Ms),
    service_loop_delay_max_ms_idle: ms(m.end.loopDelayMaxMs),
    search_p50_ms_idle: ms(m.idle.p50),
    search_p99_ms_idle: ms(m.idle.p99),
    search_p50_ms_ingest: ms(m.ingest.p50),
    search_p99_ms_ingest: ms(m.ingest.p99),
    searches_idle: m.idle.count,
    searches_ingest: m.ingest.count,
    search_errors: m.idle.errors + m.ingest.errors,
    engine_inserts_per_s: m.engineRate === null ? null : perSecond(m.engineRate),
    ingest_seconds: round(m.pass.seconds, 1),
    produce_seconds: round(m.pass.produceSeconds, 1),
    loadavg_1m_start: round(m.load1m[0], 2),
    loadavg_1m_end: round(m.load1m[1], 2),
  };
}

/** `part / whole` as a whole percentage, for the table. */
const share = (part: number | null, whole: number) =>
  part === null || !(whole > 0) ? null : `${Math.round((100 * part) / whole)}%`;

/** The rate, marked VOID when the service ended with fewer live points than upserts sent. */
const rateLabel = (r: StreamRecord) =>
  `${r.rate_target === "full" ? "full" : `${r.rate_target}/s`}${r.points_at_end === r.n ? "" : " VOID"}`;

export function resultsTable(records: readonly StreamRecord[]): string {
  const headers = [
    "rate",
    "probes",
    "sent/s",
    "applied/s",
    "engine/s",
    "svc CPU",
    "apply busy",
    "fresh p50",
    "fresh p99",
    "svc fresh p50",
    "svc fresh p99",
    "idle p50",
    "idle p99",
    "ingest p50",
    "ingest p99",
    "load 1m",
  ];
  const rows = records.map((r) => [
    rateLabel(r),
    r.quality_probes ? "on" : "off",
    r.produce_seconds > 0 ? Math.round(r.n / r.produce_seconds) : null,
    r.throughput_upserts_per_s,
    r.engine_inserts_per_s,
    share(r.service_cpu_seconds_ingest, r.ingest_seconds),
    share(r.service_apply_seconds, r.ingest_seconds),
    fixed(r.freshness_p50_ms, 0),
    fixed(r.freshness_p99_ms, 0),
    fixed(r.service_freshness_p50_ms, 0),
    fixed(r.service_freshness_p99_ms, 0),
    fixed(r.search_p50_ms_idle, 2),
    fixed(r.search_p99_ms_idle, 2),
    fixed(r.search_p50_ms_ingest, 2),
    fixed(r.search_p99_ms_ingest, 2),
    `${r.loadavg_1m_start.toFixed(1)}-${r.loadavg_1m_end.toFixed(1)}`,
  ]);
  return markdownTable(headers, rows);
}

export interface ProbeDelta {
  rate_target: number | "full";
  search_p99_ms_idle_off: number | null;
  search_p99_ms_idle_on: number | null;
  search_p99_ms_ingest_off: number | null;
  search_p99_ms_ingest_on: number | null;
  delta_p99_ms_idle: number | null;
  delta_p99_ms_ingest: number | null;
  loop_delay_p99_ms_idle_off: number | null;
  loop_delay_p99_ms_idle_on: number | null;
}

const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : ms(a - b));

/** For every rate run both with and without the prober: search p99 with each and the difference. */
export function probeDeltas(records: readonly StreamRecord[]): ProbeDelta[] {
  const deltas: ProbeDelta[] = [];
  for (const on of records.filter((r) => r.quality_probes)) {
    const off = records.find((r) => !r.quality_probes && r.rate_target === on.rate_target);
    if (off === undefined) continue;
    deltas.push({
      rate_target: on.rate_target,
      search_p99_ms_idle_off: off.search_p99_ms_idle,
      search_p99_ms_idle_on: on.search_p99_ms_idle,
      search_p99_ms_ingest_off: off.search_p99_ms_ingest,
      search_p99_ms_ingest_on: on.search_p99_ms_ingest,
      delta_p99_ms_idle: minus(on.search_p99_ms_idle, off.search_p99_ms_idle),
      delta_p99_ms_ingest: minus(on.search_p99_ms_ingest, off.search_p99_ms_ingest),
      loop_delay_p99_ms_idle_off: off.service_loop_delay_p99_ms_idle,
      loop_delay_p99_ms_idle_on: on.service_loop_delay_p99_ms_idle,
    });
  }
  return deltas;
}

export function probeDeltaTable(deltas: readonly ProbeDelta[]): string {
  const headers = [
    "rate",
    "idle p99 off",
    "idle p99 on",
    "Δ idle p99",
    "ingest p99 off",
    "ingest p99 on",
    "Δ ingest p99",
    "svc loop delay p99 idle off",
    "on",
  ];
  const rows = deltas.map((d) => [
    d.rate_target === "full" ? "full" : `${d.rate_target}/s`,
    fixed(d.search_p99_ms_idle_off, 2),
    fixed(d.search_p99_ms_idle_on, 2),
    fixed(d.delta_p99_ms_idle, 2),
    fixed(d.search_p99_ms_ingest_off, 2),
    fixed(d.search_p99_ms_ingest_on, 2),
    fixed(d.delta_p99_ms_ingest, 2),
    fixed(d.loop_delay_p99_ms_idle_off, 1),
    fixed(d.loop_delay_p99_ms_idle_on, 1),
  ]);
  return markdownTable(headers, rows);
}
