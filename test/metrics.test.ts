import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { Metrics } from "../src/metrics.js";

const FIXED_NAMES = [
  "vecstream_messages_total",
  "vecstream_dead_letters_total",
  "vecstream_batch_apply_seconds",
  "vecstream_batch_size",
  "vecstream_freshness_seconds",
  "vecstream_consumer_lag",
  "vecstream_applied_offset",
  "vecstream_points",
  "vecstream_tombstones",
  "vecstream_index_memory_bytes",
  "vecstream_search_seconds",
  "vecstream_searches_total",
  "vecstream_http_requests_total",
  "vecstream_ready",
  "vecstream_ingest_paused",
  "vecstream_snapshots_total",
  "vecstream_snapshot_seconds",
  "vecstream_last_snapshot_timestamp_seconds",
  "vecstream_snapshot_load_failures_total",
  "vecstream_recall_estimate",
  "vecstream_lid_estimate",
];

describe("Metrics", () => {
  it("registers every metric of the dashboard contract in the injected registry", async () => {
    const registry = new Registry();
    new Metrics(registry, { defaultMetrics: false });
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    for (const name of FIXED_NAMES) expect(names).toContain(name);
  });

  it("adds prom-client's default process and event-loop metrics", async () => {
    const registry = new Registry();
    new Metrics(registry);
    const text = await registry.metrics();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(text).toContain("nodejs_heap_size_used_bytes");
  });

  it("records ingest events with the fixed labels", async () => {
    const m = new Metrics(new Registry(), { defaultMetrics: false });
    m.onApplied("demo", "upsert", 5);
    m.onApplied("demo", "delete", 2);
    m.onDeadLetter("demo", "bad_json");
    m.onBatchApplied("demo", 0.01, 7);
    m.onFreshness("demo", -0.5);
    m.onLag("demo", 3, 42);
    m.onPaused("demo", true);
    m.onAppliedOffset("demo", 3, 99);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'vecstream_messages_total{collection="demo",operation="upsert",outcome="applied"} 5',
    );
    expect(text).toContain(
      'vecstream_messages_total{collection="demo",operation="delete",outcome="applied"} 2',
    );
    expect(text).toContain(
      'vecstream_messages_total{collection="demo",operation="invalid",outcome="dead_lettered"} 1',
    );
    expect(text).toContain('vecstream_dead_letters_total{collection="demo",reason="bad_json"} 1');
    expect(text).toContain('vecstream_batch_size_sum{collection="demo"} 7');
    expect(text).toContain('vecstream_freshness_seconds_sum{collection="demo"} 0');
    expect(text).toContain('vecstream_consumer_lag{collection="demo",partition="3"} 42');
    expect(text).toContain('vecstream_ingest_paused{collection="demo"} 1');
    expect(text).toContain('vecstream_applied_offset{collection="demo",partition="3"} 99');
  });

  it("reads the size gauges from the collections at scrape time", async () => {
    const m = new Metrics(new Registry(), { defaultMetrics: false });
    let points = 1;
    m.watchCollections(() => [{ name: "c", sizes: () => ({ points, tombstones: 2, memoryBytes: 300 }) }]);
    expect(await m.registry.metrics()).toContain('vecstream_points{collection="c"} 1');
    points = 10;
    const text = await m.registry.metrics();
    expect(text).toContain('vecstream_points{collection="c"} 10');
    expect(text).toContain('vecstream_tombstones{collection="c"} 2');
    expect(text).toContain('vecstream_index_memory_bytes{collection="c"} 300');
  });
});
