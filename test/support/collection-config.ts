/**
 * A collection configuration for tests that build a `Collection` directly (no config file): a small
 * 2-dimensional l2 collection with the dead-letter topic vecstream derives (`<topic>.dlq`) and a fixed
 * seed, so index behaviour is reproducible. Tests override only what they are about.
 */
import type { CollectionConfig } from "../../src/config.js";

export function testCollectionConfig(
  fields: Pick<CollectionConfig, "name" | "topic"> & Partial<CollectionConfig>,
): CollectionConfig {
  return {
    dlqTopic: `${fields.topic}.dlq`,
    dim: 2,
    metric: "l2",
    M: 16,
    efConstruction: 100,
    ef: 32,
    seed: 1,
    ...fields,
  };
}
