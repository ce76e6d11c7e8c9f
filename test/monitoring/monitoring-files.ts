/**
 * Readers shared by the monitoring tests: the documented metric list, the dashboard's PromQL queries
 * and template variables, and the docker-compose / provisioning files, all parsed from the repository.
 *
 * `documentedMetrics()` reads the `## Metrics` section of README.md
 * and returns every backticked `vecstream_*` name that opens a table row.
 * `dashboardQueries()` walks every panel (rows' nested panels too) and returns one entry per target
 * with the panel's title, so a failing query can be named. `substituteVariables` replaces Grafana's
 * variables by values Prometheus accepts: multi-value variables by `.*` (what "All" means here) and
 * interval variables by a fixed window.
 */

import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DASHBOARD_DIR = `${ROOT}grafana/dashboards/`;

export function readRepoFile(path: string): string {
  return readFileSync(`${ROOT}${path}`, "utf8");
}

export function readYaml<T = unknown>(path: string): T {
  return parse(readRepoFile(path)) as T;
}

/** The documented metric list: the README's `## Metrics` section (the test fails when it is missing). */
export function metricsDocument(): { path: string; text: string } {
  const readme = readRepoFile("README.md");
  const start = readme.search(/^## Metrics\s*$/m);
  if (start < 0) throw new Error("README.md has no '## Metrics' section listing the exported metrics");
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  return { path: "README.md (## Metrics)", text: end >= 0 ? rest.slice(0, end) : rest };
}

/** Names of the `vecstream_*` metrics listed as table rows of the metrics document. */
export function documentedMetrics(): string[] {
  const names: string[] = [];
  for (const line of metricsDocument().text.split("\n")) {
    const match = /^\|\s*`(vecstream_[a-z0-9_]+)`\s*\|/.exec(line);
    if (match) names.push(match[1]);
  }
  return names;
}

export interface DashboardTarget {
  dashboard: string;
  panelId: number;
  panel: string;
  refId: string;
  expr: string;
  datasourceUid: string | undefined;
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid?: string; type?: string };
  targets?: { refId: string; expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: {
    list: { name: string; type: string; query: { query: string } | string; datasource?: { uid?: string } }[];
  };
}

/** Every dashboard JSON file that Grafana's file provider loads. */
export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

export function readDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(`${DASHBOARD_DIR}${file}`, "utf8")) as Dashboard;
}

/** Every panel, including those nested in collapsed rows. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export function dashboardQueries(file: string): DashboardTarget[] {
  const dashboard = readDashboard(file);
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      dashboard: dashboard.title,
      panelId: panel.id,
      panel: panel.title,
      refId: t.refId,
      expr: t.expr ?? "",
      datasourceUid: t.datasource?.uid ?? panel.datasource?.uid,
    })),
  );
}

/** `label_values(selector, label)` of each query variable, parsed. */
export function variableQueries(file: string): { name: string; selector: string; label: string }[] {
  return readDashboard(file).templating.list.map((v) => {
    const query = typeof v.query === "string" ? v.query : v.query.query;
    const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query.trim());
    if (!match) throw new Error(`variable ${v.name}: expected label_values(selector, label), got ${query}`);
    return { name: v.name, selector: match[1], label: match[2] };
  });
}

/** Grafana variables -> concrete PromQL: "All" for multi-value variables, fixed windows for intervals. */
export function substituteVariables(expr: string, rangeWindow = "30s"): string {
  return expr
    .replaceAll("$__rate_interval", rangeWindow)
    .replaceAll("$__interval", rangeWindow)
    .replaceAll("$__range", rangeWindow)
    .replace(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?/g, ".*");
}

/** Metric names a PromQL expression reads (identifiers followed by a selector or a range). */
export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  for (const match of expr.matchAll(/\b((?:vecstream|nodejs|process)_[a-z0-9_]+)\b/g)) names.add(match[1]);
  return [...names];
}

/** A histogram's series name -> the metric's base name. */
export function baseMetricName(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, "");
}
