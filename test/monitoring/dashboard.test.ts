import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  allPanels,
  baseMetricName,
  dashboardFiles,
  dashboardQueries,
  documentedMetrics,
  metricNamesIn,
  readDashboard,
  readYaml,
  substituteVariables,
  variableQueries,
} from "./monitoring-files.js";

interface DatasourceProvisioning {
  datasources: { name: string; type: string; uid: string; url: string }[];
}
interface DashboardProvisioning {
  providers: { name: string; type: string; options: { path: string } }[];
}

const PANELS_REQUIRED = [
  "Ingest rate by operation",
  "Dead-letters by reason",
  "Consumer lag per partition",
  "Freshness p50 / p99",
  "Batch apply time p50 / p99",
  "Search rate by collection",
  "Search latency p50 / p99",
  "Errors by status",
  "Points",
  "Tombstones",
  "Index memory",
  "Live recall estimate",
  "LID estimate",
  "Event-loop lag",
  "Heap",
];

const datasources = readYaml<DatasourceProvisioning>(
  "grafana/provisioning/datasources/prometheus.yml",
).datasources;

describe("Grafana provisioning", () => {
  it("provisions one Prometheus datasource pointing at the compose service", () => {
    expect(datasources).toHaveLength(1);
    expect(datasources[0]).toMatchObject({
      type: "prometheus",
      uid: "prometheus",
      url: "http://prometheus:9090",
    });
  });

  it("loads dashboards from the folder docker-compose mounts grafana/dashboards on", () => {
    const providers = readYaml<DashboardProvisioning>(
      "grafana/provisioning/dashboards/vecstream.yml",
    ).providers;
    const compose = readYaml<{ services: Record<string, { volumes?: string[] }> }>("docker-compose.yml");
    const mount = compose.services.grafana.volumes?.find((v) => v.startsWith("./grafana/dashboards:"));
    expect(mount?.split(":")[1]).toBe(providers[0].options.path);
    expect(providers[0].type).toBe("file");
  });
});

describe.each(dashboardFiles())("dashboard %s", (file) => {
  const dashboard = readDashboard(file);
  const queries = dashboardQueries(file);

  it("gives every panel a unique id", () => {
    const ids = allPanels(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("uses only the provisioned datasource uid, in panels, targets and variables", () => {
    const known = new Set(datasources.map((d) => d.uid));
    const used = [
      ...allPanels(dashboard)
        .filter((p) => p.type !== "row")
        .map((p) => ({ where: `panel "${p.title}"`, uid: p.datasource?.uid })),
      ...queries.map((q) => ({ where: `panel "${q.panel}" ${q.refId}`, uid: q.datasourceUid })),
      ...dashboard.templating.list.map((v) => ({ where: `variable ${v.name}`, uid: v.datasource?.uid })),
    ];
    expect(used.filter((u) => !known.has(u.uid ?? "")).map((u) => u.where)).toEqual([]);
  });

  it("has collection and instance variables filled by label_values queries", () => {
    const variables = variableQueries(file);
    expect(variables.map((v) => [v.name, v.label])).toEqual(
      expect.arrayContaining([
        ["collection", "collection"],
        ["instance", "instance"],
      ]),
    );
  });

  it("has a query on every data panel and filters vecstream metrics by the variables", () => {
    for (const panel of allPanels(dashboard).filter((p) => p.type !== "row")) {
      expect(panel.targets?.length, `panel "${panel.title}"`).toBeGreaterThan(0);
    }
    // Metrics without a collection label: the readiness gauge, HTTP requests and the process metrics.
    const unscoped = /^(vecstream_ready|vecstream_http_requests_total|nodejs_|process_)/;
    for (const q of queries) {
      expect(q.expr, `panel "${q.panel}" ${q.refId}`).toMatch(/instance=~"\$instance"/);
      if (!metricNamesIn(q.expr).every((m) => unscoped.test(m))) {
        expect(q.expr, `panel "${q.panel}" ${q.refId}`).toMatch(/collection=~"\$collection"/);
      }
    }
  });

  it("has the panels operators need", () => {
    const titles = allPanels(dashboard).map((p) => p.title);
    expect(PANELS_REQUIRED.filter((t) => !titles.includes(t))).toEqual([]);
  });

  it("reads only metrics the metric list documents", () => {
    const documented = new Set(documentedMetrics());
    const unknown = queries
      .flatMap((q) => metricNamesIn(q.expr).map((m) => ({ panel: q.panel, metric: baseMetricName(m) })))
      .filter((u) => u.metric.startsWith("vecstream_") && !documented.has(u.metric));
    expect(unknown).toEqual([]);
  });

  it("has queries that are valid PromQL, as promtool parses them", () => {
    const dir = mkdtempSync(join(tmpdir(), "vecstream-dashboard-"));
    try {
      const rules = queries.map((q, i) => ({
        record: `dashboard:query_${i}`,
        expr: substituteVariables(q.expr),
      }));
      const variables = variableQueries(file).map((v, i) => ({
        record: `dashboard:variable_${i}`,
        expr: substituteVariables(v.selector),
      }));
      const path = join(dir, "queries.yml");
      writeFileSync(path, stringify({ groups: [{ name: "dashboard", rules: [...rules, ...variables] }] }));
      const check = spawnSync("promtool", ["check", "rules", path], { encoding: "utf8" });
      if (check.error)
        throw new Error(
          `promtool is not installed (bash scripts/setup.sh installs it): ${check.error.message}`,
        );
      expect(check.status, check.stdout + check.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
