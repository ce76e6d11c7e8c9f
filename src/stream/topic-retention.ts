/**
 * Can the log rebuild a partition? Read once per collection topic at ingest start.
 *
 * A partition that moves to a member without a snapshot of it is restored by replaying it from its
 * log start, so the log must still hold the latest record of every live key: a compacted topic
 * (`cleanup.policy=compact`, or `compact,delete` with a retention long enough) does, a plain
 * time-retained topic does not once its retention has deleted anything.
 *
 * Contract: `checkTopicRetention` never fails the start. It describes the topic's `cleanup.policy`
 * and `retention.ms` with `admin.describeConfigs`; a broker that does not support it (the dev broker,
 * librdkafka's mock cluster, answers "does not support the requested API version") gets one info line
 * saying the check was skipped. A topic that is not compacted and has a finite retention gets a warn
 * line naming the setting to change. The verdict is returned for tests and the collection view.
 */

import type { Admin, ConfigResourceTypes } from "kafkajs";
import type { Logger } from "pino";

/**
 * kafkajs's `ConfigResourceTypes.TOPIC`: its CommonJS exports do not give that enum to an ESM named
 * import under Node, so the protocol value (2, KIP-133) is written here.
 */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

export type RetentionVerdict =
  | { kind: "compacted"; policy: string }
  | { kind: "retained_forever"; policy: string }
  | { kind: "may_lose_state"; policy: string; retentionMs: number }
  | { kind: "unknown"; reason: string };

/** The verdict for a topic's `cleanup.policy` and `retention.ms` values. */
export function judgeRetention(policy: string, retentionMs: number): RetentionVerdict {
  const policies = policy.split(",").map((p) => p.trim());
  if (policies.includes("compact")) return { kind: "compacted", policy };
  if (retentionMs < 0) return { kind: "retained_forever", policy };
  return { kind: "may_lose_state", policy, retentionMs };
}

export async function checkTopicRetention(
  admin: Admin,
  topic: string,
  log: Logger,
): Promise<RetentionVerdict> {
  let entries: Map<string, string>;
  try {
    const response = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ["cleanup.policy", "retention.ms"] }],
    });
    const resource = response.resources[0];
    if (resource === undefined || resource.errorCode !== 0)
      throw new Error(resource?.errorMessage ?? "no answer");
    entries = new Map(resource.configEntries.map((e) => [e.configName, e.configValue]));
  } catch (err) {
    const reason = (err as Error).message;
    log.info({ topic, reason }, "topic retention not checked: the broker does not describe topic configs");
    return { kind: "unknown", reason };
  }
  const verdict = judgeRetention(
    entries.get("cleanup.policy") ?? "delete",
    Number(entries.get("retention.ms") ?? "-1"),
  );
  if (verdict.kind === "may_lose_state") {
    log.warn(
      { topic, cleanupPolicy: verdict.policy, retentionMs: verdict.retentionMs },
      "topic is not compacted and has a finite retention: a partition restored by replay will miss " +
        "every key last written before the retention; set cleanup.policy=compact on the topic",
    );
  }
  return verdict;
}
