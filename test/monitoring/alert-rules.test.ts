import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT, readYaml } from "./monitoring-files.js";

const RULES_DIR = `${ROOT}config/prometheus`;

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("promtool", args, { cwd: RULES_DIR, encoding: "utf8" });
  if (result.error) {
    throw new Error(`promtool is not installed (bash scripts/setup.sh installs it): ${result.error.message}`);
  }
  return { status: result.status, output: result.stdout + result.stderr };
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; expr: string; labels?: Record<string, string> }[] }[];
}

describe("Prometheus alerting rules", () => {
  it("pass promtool check rules", () => {
    const { status, output } = promtool("check", "rules", "alerts.yml");
    expect(status, output).toBe(0);
  });

  it("pass their promtool unit tests", () => {
    const { status, output } = promtool("test", "rules", "alerts.test.yml");
    expect(status, output).toBe(0);
  });

  it("cover lag, freshness, dead-letters, recall and readiness, each with a severity", () => {
    const rules = readYaml<RuleFile>("config/prometheus/alerts.yml").groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "VecstreamConsumerLagGrowing",
        "VecstreamFreshnessHigh",
        "VecstreamDeadLetters",
        "VecstreamRecallLow",
        "VecstreamNotReady",
      ]),
    );
    for (const rule of rules) expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
  });

  it("test every alert in alerts.test.yml", () => {
    const tests = readYaml<{ tests: { alert_rule_test?: { alertname: string }[] }[] }>(
      "config/prometheus/alerts.test.yml",
    ).tests;
    const tested = new Set(tests.flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname)));
    const rules = readYaml<RuleFile>("config/prometheus/alerts.yml").groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert).filter((a) => !tested.has(a!))).toEqual([]);
  });

  it("load in the compose Prometheus configuration", () => {
    const { status, output } = promtool("check", "config", "prometheus.yml");
    expect(status, output).toBe(0);
  });
});
