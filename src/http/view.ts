/**
 * What the HTTP layer sees of the running service: the collections and where each stands.
 * Kept as an interface so routes can be tested with a hand-built view, without Kafka.
 */

import type { Collection } from "../collection/collection.js";

/**
 * `loading_snapshot` → `catching_up` → `ready`; `not_member` while the collection's consumer has lost
 * its group membership (evicted, rejoining): its data may be stale or no longer ours, so not ready.
 */
export type CollectionStatus = "loading_snapshot" | "catching_up" | "ready" | "not_member";

export interface ServiceView {
  readonly collections: ReadonlyMap<string, Collection>;
  status(name: string): CollectionStatus;
  /** Told about every served query vector (the quality prober samples them as recall probes). */
  onSearch?(collection: string, vector: readonly number[]): void;
}
