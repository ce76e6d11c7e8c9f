/**
 * Service configuration: `config/default.json`, deep-merged with the JSON file named by
 * `VECSTREAM_CONFIG`, then with a few environment overrides, validated with zod.
 *
 * Contract: `loadConfig()` returns a fully defaulted, validated `Config` or throws `ConfigError` whose
 * message names the field path and what to fix (`config: collections[0].dim: expected a positive
 * integer, got "x"`). Unknown keys are rejected, because a typo that silently falls back to a default
 * is worse than a refusal to start.
 *
 * `kafka.ssl` names TLS files by path; `readKafkaTls` reads them into what kafkajs takes as `ssl`.
 * `loadConfig` reads them once to refuse a missing file at start (naming the field), and the service
 * reads them again when it connects. `VECSTREAM_SASL_PASSWORD` keeps the SASL secret out of the file.
 */

import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const posInt = (what = "a positive integer") =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .positive({ error: `expected ${what}` });
const nonNegInt = () =>
  z
    .number({ error: "expected a non-negative integer" })
    .int({ error: "expected a non-negative integer" })
    .nonnegative({ error: "expected a non-negative integer" });
const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

/** Collection names appear in URLs, metric labels and directory names, so they are kept plain. */
const collectionName = z
  .string({ error: "expected a string" })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: "expected 1-64 letters, digits, '_' or '-'" });

const collectionSchema = z
  .strictObject({
    name: collectionName,
    topic: nonEmpty("a Kafka topic name"),
    dlqTopic: nonEmpty("a Kafka topic name").optional(),
    dim: posInt(),
    metric: z.enum(["l2", "cosine", "dot"], { error: 'expected "l2", "cosine" or "dot"' }),
    /** HNSW `M`: links per node on upper layers (2M on layer 0). */
    M: posInt().refine((m) => m >= 2, { error: "expected an integer >= 2" }),
    efConstruction: posInt(),
    /** Default `ef` for searches that do not name one. */
    ef: posInt(),
    /** Seed of the level generator, so a rebuilt index has the same shape. */
    seed: nonNegInt().default(42),
  })
  .transform((c) => ({ ...c, dlqTopic: c.dlqTopic ?? `${c.topic}.dlq` }));

const saslSchema = z
  .strictObject({
    mechanism: z.enum(["plain", "scram-sha-256", "scram-sha-512"], {
      error: "expected plain or scram-sha-*",
    }),
    username: z.string({ error: "expected a string" }),
    password: z.string({ error: "expected a string" }),
  })
  .nullable();

const tlsFile = () => nonEmpty("a file path").optional();

/** `true`: TLS with Node's trust store; an object: a private CA, a client certificate, SNI name. */
const sslSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      /** PEM file of the CA(s) to trust instead of Node's default store. */
      ca: tlsFile(),
      /** PEM client certificate and its key (mutual TLS). */
      cert: tlsFile(),
      key: tlsFile(),
      rejectUnauthorized: z.boolean({ error: "expected true or false" }).optional(),
      servername: nonEmpty("a host name").optional(),
    }),
  ],
  { error: "expected true, false or an object {ca, cert, key, rejectUnauthorized, servername}" },
);

/** Member and replica-group names appear in consumer-group ids and metric labels: kept plain. */
const memberLikeName = z
  .string({ error: "expected a string" })
  .regex(/^[A-Za-z0-9_.-]{1,128}$/, { error: "expected 1-128 letters, digits, '_', '.' or '-'" });

const clusterSchema = z.strictObject({
  /**
   * This instance's stable name (null: the host name plus a fingerprint of the data directory, so
   * two instances on one host with their own data directories get distinct names).
   */
  memberName: memberLikeName.nullable().default(null),
  /**
   * Instances naming the same replica group share one consumer group per collection and split its
   * partitions; null (the default): this instance is a full replica in a group of its own.
   */
  replicaGroup: memberLikeName.nullable().default(null),
  /** How peers reach this instance (`http://host:port`); null: the address HTTP listens on. */
  advertisedUrl: z
    .url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" })
    .nullable()
    .default(null),
  /** The internal compacted topic where every member writes its state (the routing table). */
  statusTopic: nonEmpty("a Kafka topic name").default("vecstream.cluster-status"),
  /** How often a member writes its state. */
  statusIntervalMs: posInt().default(2000),
  /** A member whose last state is older than this is ignored (a SIGKILLed member leaves its key). */
  statusExpiryMs: posInt().default(10_000),
  /** One attempt at a peer; a failed or slow attempt is retried on another replica. */
  peerTimeoutMs: posInt().default(2000),
  /** The producers' partitioner, so point lookups go to the key's partition (unknown: ask all). */
  producerPartitioner: z
    .enum(["murmur2", "crc32", "unknown"], { error: 'expected "murmur2", "crc32" or "unknown"' })
    .default("murmur2"),
});

const CLUSTER_DEFAULTS = {
  memberName: null,
  replicaGroup: null,
  advertisedUrl: null,
  statusTopic: "vecstream.cluster-status",
  statusIntervalMs: 2000,
  statusExpiryMs: 10_000,
  peerTimeoutMs: 2000,
  producerPartitioner: "murmur2" as const,
};

export const configSchema = z.strictObject({
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    error: "expected one of fatal, error, warn, info, debug, trace, silent",
  }),
  kafka: z.strictObject({
    brokers: z.array(nonEmpty("host:port"), { error: "expected an array of host:port" }).min(1, {
      error: "expected at least one broker",
    }),
    clientId: nonEmpty("a client id"),
    groupId: nonEmpty("a consumer group id"),
    ssl: sslSchema,
    sasl: saslSchema,
    connectionTimeoutMs: posInt(),
    /** Consumer-group session; a restarted instance may wait this long for its old member to expire. */
    sessionTimeoutMs: posInt().default(30000),
    heartbeatIntervalMs: posInt().default(3000),
    /** Fetch long-poll (kafkajs `maxWaitTimeInMs`): also the stall after a backpressure pause. */
    fetchMaxWaitMs: posInt().default(500),
  }),
  http: z.strictObject({
    host: nonEmpty("a host name or address"),
    port: nonNegInt().max(65535, { error: "expected a port from 0 to 65535" }),
    bodyLimitBytes: posInt(),
    apiKey: z
      .string({ error: "expected a string or null" })
      .min(1, { error: "expected a non-empty key" })
      .nullable(),
    protectMetrics: z.boolean({ error: "expected true or false" }),
    protectHealth: z.boolean({ error: "expected true or false" }),
  }),
  dataDir: nonEmpty("a directory path"),
  cluster: clusterSchema.default(CLUSTER_DEFAULTS),
  pipeline: z
    .strictObject({
      batchMaxMessages: posInt(),
      batchMaxMs: posInt(),
      highWaterMark: posInt(),
      lowWaterMark: nonNegInt(),
      applySliceMs: posInt(),
      maxMessageBytes: posInt(),
      /** How often the topic's high watermarks are polled so lag stays current while nothing is fetched. */
      lagPollMs: posInt().default(5000),
      /** Message timestamps older than this are not believed as freshness (counted instead). */
      freshnessMaxAgeMs: posInt().default(7 * 24 * 3600 * 1000),
    })
    .refine((p) => p.lowWaterMark < p.highWaterMark, {
      error: "lowWaterMark must be below highWaterMark",
      path: ["lowWaterMark"],
    }),
  snapshots: z.strictObject({
    intervalMs: posInt(),
    everyMessages: posInt(),
    keep: posInt(),
  }),
  quality: z.strictObject({
    recallProbeIntervalMs: posInt(),
    recallProbeQueries: posInt(),
    recallK: posInt(),
    lidIntervalMs: posInt(),
    lidSampleSize: posInt(),
    lidK: posInt(),
  }),
  collections: z
    .array(collectionSchema, { error: "expected an array of collections" })
    .min(1, { error: "expected at least one collection" })
    .refine((cs) => new Set(cs.map((c) => c.name)).size === cs.length, {
      error: "collection names must be unique",
    })
    .refine((cs) => new Set(cs.map((c) => c.topic)).size === cs.length, {
      error: "collection topics must be unique",
    }),
});

export type Config = z.infer<typeof configSchema>;
export type CollectionConfig = Config["collections"][number];
export type KafkaSslConfig = Config["kafka"]["ssl"];

/** A configuration that cannot be used; the message names the field. */
export class ConfigError extends Error {
  readonly code = "INVALID_CONFIG";
  readonly retriable = false;
  readonly issues: readonly { path: string; message: string }[];

  constructor(issues: readonly { path: string; message: string }[]) {
    super(issues.map((i) => `config: ${i.path}: ${i.message}`).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

const DEFAULT_FILE = fileURLToPath(new URL("../config/default.json", import.meta.url));

type Json = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError([{ path: "(file)", message: `cannot read ${path}: ${(err as Error).message}` }]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([
      { path: "(file)", message: `${path} is not valid JSON: ${(err as Error).message}` },
    ]);
  }
}

/** Renders a zod path the way a person writes it: `collections[0].dim`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "(root)" : out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) v = isPlainObject(v) || Array.isArray(v) ? (v as Json)[p as string] : undefined;
  return v;
}

type Issue = z.core.$ZodIssue;

/**
 * A union's issues as a person wants them: when exactly one branch got past the type check (its issues
 * point inside the value, e.g. `kafka.ssl.ca`), that branch's issues, else the union's own message.
 */
function unionIssues(issue: Issue): Issue[] {
  if (issue.code !== "invalid_union") return [issue];
  const inside = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (inside.length !== 1) return [issue];
  return inside[0].flatMap((i) => unionIssues({ ...i, path: [...issue.path, ...i.path] }));
}

/** Validates an already merged object; exported so tests can check each field without files. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(unionIssues).map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => formatPath([...issue.path, k]));
      return { path: keys.join(", "), message: "unknown key (check the spelling)" };
    }
    const value = valueAt(input, issue.path);
    const got = value === undefined ? "nothing" : JSON.stringify(value);
    return { path: formatPath(issue.path), message: `${issue.message}, got ${got}` };
  });
  throw new ConfigError(issues);
}

const intFromEnv = (value: string): number | string => (/^\d+$/.test(value) ? Number(value) : value);

/** Applies the documented `VECSTREAM_*` overrides on top of the merged files. */
export function applyEnv(config: unknown, env: NodeJS.ProcessEnv): unknown {
  const over: Json = {};
  const set = (path: string[], value: unknown) => {
    let node = over;
    for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Json;
    node[path[path.length - 1]] = value;
  };
  if (env.VECSTREAM_BROKERS)
    set(
      ["kafka", "brokers"],
      env.VECSTREAM_BROKERS.split(",").map((b) => b.trim()),
    );
  if (env.VECSTREAM_PORT) set(["http", "port"], intFromEnv(env.VECSTREAM_PORT));
  if (env.VECSTREAM_HOST) set(["http", "host"], env.VECSTREAM_HOST);
  if (env.VECSTREAM_DATA_DIR) set(["dataDir"], env.VECSTREAM_DATA_DIR);
  if (env.VECSTREAM_GROUP_ID) set(["kafka", "groupId"], env.VECSTREAM_GROUP_ID);
  if (env.VECSTREAM_MEMBER_NAME) set(["cluster", "memberName"], env.VECSTREAM_MEMBER_NAME);
  if (env.VECSTREAM_REPLICA_GROUP) set(["cluster", "replicaGroup"], env.VECSTREAM_REPLICA_GROUP);
  if (env.VECSTREAM_API_KEY) set(["http", "apiKey"], env.VECSTREAM_API_KEY);
  if (env.VECSTREAM_LOG_LEVEL) set(["logLevel"], env.VECSTREAM_LOG_LEVEL);
  if (env.VECSTREAM_SASL_PASSWORD !== undefined)
    set(["kafka", "sasl", "password"], env.VECSTREAM_SASL_PASSWORD);
  return deepMerge(config, over);
}

const TLS_FILES = ["ca", "cert", "key"] as const;

/**
 * What kafkajs takes as `ssl`: a boolean as is, an object with its files read. A file that cannot be
 * read is a `ConfigError` naming the field (`kafka.ssl.ca`) and the path.
 */
export function readKafkaTls(
  ssl: KafkaSslConfig,
  read: (path: string) => Buffer = (path) => readFileSync(path),
): boolean | ConnectionOptions {
  if (typeof ssl === "boolean") return ssl;
  const options: ConnectionOptions = {};
  if (ssl.rejectUnauthorized !== undefined) options.rejectUnauthorized = ssl.rejectUnauthorized;
  if (ssl.servername !== undefined) options.servername = ssl.servername;
  for (const field of TLS_FILES) {
    const path = ssl[field];
    if (path === undefined) continue;
    try {
      options[field] = read(path);
    } catch (err) {
      throw new ConfigError([
        { path: `kafka.ssl.${field}`, message: `cannot read ${path}: ${(err as Error).message}` },
      ]);
    }
  }
  return options;
}

/** Reads default.json, the optional `VECSTREAM_CONFIG` file and the environment, then validates. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let merged = readJson(DEFAULT_FILE);
  if (env.VECSTREAM_CONFIG) merged = deepMerge(merged, readJson(env.VECSTREAM_CONFIG));
  const config = parseConfig(applyEnv(merged, env));
  readKafkaTls(config.kafka.ssl);
  return config;
}
