/**
 * The status topic exists and is compacted before any member writes to it.
 *
 * Contract: `ensureStatusTopic` asks the broker to create `topic` with one partition and
 * `cleanup.policy=compact` (compaction keeps the latest record of every member, so the topic stays the
 * size of the cluster however long it runs). A topic that already exists is fine. When creation fails
 * (no CreateTopics permission, or a broker without it: the dev broker, which auto-creates topics on a
 * metadata request instead) the topic is looked up; if it is there, start goes on with an info line,
 * else `StatusTopicError` stops the start with a message naming the topic and the settings it needs.
 */

import type { Admin } from "kafkajs";
import type { Logger } from "pino";

export class StatusTopicError extends Error {
  readonly code = "STATUS_TOPIC_UNAVAILABLE";

  constructor(topic: string, reason: string) {
    super(
      `cluster status topic ${topic} does not exist and could not be created (${reason}); create it ` +
        `with cleanup.policy=compact and 1 partition (replication as for your other internal topics), ` +
        `or allow this client to create topics, or set cluster.statusTopic to an existing compacted topic`,
    );
    this.name = "StatusTopicError";
  }
}

export type StatusTopicOutcome = "created" | "exists" | "found";

export async function ensureStatusTopic(
  admin: Admin,
  topic: string,
  log: Logger,
): Promise<StatusTopicOutcome> {
  let reason: string;
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }] }],
    });
    if (created) log.info({ topic }, "created the cluster status topic (cleanup.policy=compact)");
    return created ? "created" : "exists";
  } catch (err) {
    reason = (err as Error).message;
  }
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    if (metadata.topics.some((t) => t.name === topic && t.partitions.length > 0)) {
      log.info({ topic, reason }, "cluster status topic not created by vecstream, but it exists: using it");
      return "found";
    }
  } catch (err) {
    reason = `${reason}; lookup: ${(err as Error).message}`;
  }
  throw new StatusTopicError(topic, reason);
}
