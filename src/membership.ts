/**
 * Who this instance is in the cluster: its stable member name and the consumer group of each of its
 * collections.
 *
 * Contract: by default every instance is a full replica: its consumer groups are its own
 * (`<kafka.groupId>.member.<memberName>.<collection>`), so two instances started with one
 * configuration never split a topic's partitions between them. Instances that name the same
 * `cluster.replicaGroup` share `<kafka.groupId>.rg.<replicaGroup>.<collection>` and split the
 * partitions (Kafka's group protocol is the membership). The default member name is the host name
 * plus a fingerprint of the data directory's absolute path: stable across restarts, and distinct for
 * two instances on one host (which must have their own data directories: see data-dir-lock.ts).
 */

import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { Config } from "./config.js";

export interface MemberIdentity {
  memberName: string;
  /** null: a full replica in groups of its own. */
  replicaGroup: string | null;
  /** The consumer group of a collection. */
  groupIdOf(collection: string): string;
}

export function defaultMemberName(dataDir: string, host = hostname()): string {
  const fingerprint = createHash("sha256").update(resolve(dataDir)).digest("hex").slice(0, 8);
  const plain = host.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 100) || "host";
  return `${plain}-${fingerprint}`;
}

export function memberIdentity(config: Pick<Config, "kafka" | "cluster" | "dataDir">): MemberIdentity {
  const memberName = config.cluster.memberName ?? defaultMemberName(config.dataDir);
  const { replicaGroup } = config.cluster;
  const prefix =
    replicaGroup === null
      ? `${config.kafka.groupId}.member.${memberName}`
      : `${config.kafka.groupId}.rg.${replicaGroup}`;
  return { memberName, replicaGroup, groupIdOf: (collection) => `${prefix}.${collection}` };
}
