import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, deepMerge, loadConfig, parseConfig, readKafkaTls } from "../src/config.js";

// A raw, unvalidated config as a test mutates it: deliberately untyped, since tests put wrong types in.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = any;

function base(): Raw {
  // The defaults, re-read each time so a test may mutate them.
  return JSON.parse(JSON.stringify(loadConfig({})));
}

function errorOf(input: unknown): ConfigError {
  try {
    parseConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("loads the defaults and fills dlqTopic from the topic when absent", () => {
    const c = base();
    delete c.collections[0].dlqTopic;
    const parsed = parseConfig(c);
    expect(parsed.collections[0].dlqTopic).toBe("vecstream.demo.dlq");
    expect(parsed.http.port).toBe(8080);
    expect(parsed.pipeline.lagPollMs).toBe(5000);
    delete c.pipeline.lagPollMs;
    expect(parseConfig(c).pipeline.lagPollMs).toBe(5000);
  });

  it.each([
    ["collections[0].dim", (c: Raw) => (c.collections[0].dim = "x"), 'expected a positive integer, got "x"'],
    ["collections[0].dim", (c: Raw) => (c.collections[0].dim = 0), "expected a positive integer, got 0"],
    ["collections[0].metric", (c: Raw) => (c.collections[0].metric = "hamming"), 'got "hamming"'],
    ["collections[0].M", (c: Raw) => (c.collections[0].M = 1), "expected an integer >= 2"],
    ["collections[0].name", (c: Raw) => (c.collections[0].name = "a b"), "letters, digits"],
    ["http.port", (c: Raw) => (c.http.port = 70000), "expected a port from 0 to 65535, got 70000"],
    ["http.bodyLimitBytes", (c: Raw) => (c.http.bodyLimitBytes = -1), "expected a positive integer"],
    ["http.apiKey", (c: Raw) => (c.http.apiKey = ""), "non-empty key"],
    ["kafka.brokers", (c: Raw) => (c.kafka.brokers = []), "at least one broker"],
    ["kafka.ssl", (c: Raw) => (c.kafka.ssl = "yes"), "expected true, false or an object {ca, cert, key"],
    ["kafka.ssl.ca", (c: Raw) => (c.kafka.ssl = { ca: 5 }), "expected a file path, got 5"],
    ["kafka.ssl.caFile", (c: Raw) => (c.kafka.ssl = { caFile: "/x" }), "unknown key"],
    [
      "kafka.ssl.rejectUnauthorized",
      (c: Raw) => (c.kafka.ssl = { rejectUnauthorized: "no" }),
      'expected true or false, got "no"',
    ],
    ["logLevel", (c: Raw) => (c.logLevel = "loud"), 'got "loud"'],
    ["pipeline.lowWaterMark", (c: Raw) => (c.pipeline.lowWaterMark = 99999), "below highWaterMark"],
    ["snapshots.keep", (c: Raw) => (c.snapshots.keep = 0), "expected a positive integer"],
    ["pipeline.lagPollMs", (c: Raw) => (c.pipeline.lagPollMs = 0), "expected a positive integer, got 0"],
    ["quality.recallK", (c: Raw) => (c.quality.recallK = 1.5), "expected a positive integer"],
    ["dataDir", (c: Raw) => delete c.dataDir, "got nothing"],
    ["http.prot", (c: Raw) => (c.http.prot = 1), "unknown key"],
    ["collections", (c: Raw) => c.collections.push({ ...c.collections[0] }), "names must be unique"],
  ])("names %s when it is invalid", (path, mutate, reason) => {
    const c = base();
    mutate(c);
    const err = errorOf(c);
    expect(err.message).toContain(`config: ${path}: `);
    expect(err.message).toContain(reason);
    expect(err.code).toBe("INVALID_CONFIG");
  });

  it("deep-merges objects and replaces arrays", () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: 3 }, l: [9] })).toEqual({
      a: { b: 1, c: 3 },
      l: [9],
    });
  });

  it("applies the file named by VECSTREAM_CONFIG, then the environment overrides", () => {
    const dir = mkdtempSync(join(tmpdir(), "vecstream-config-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ http: { port: 9000 }, dataDir: "/from/file" }));
    const c = loadConfig({
      VECSTREAM_CONFIG: file,
      VECSTREAM_BROKERS: "a:1, b:2",
      VECSTREAM_DATA_DIR: "/from/env",
      VECSTREAM_GROUP_ID: "g",
      VECSTREAM_API_KEY: "k",
      VECSTREAM_LOG_LEVEL: "debug",
      VECSTREAM_HOST: "0.0.0.0",
    });
    expect(c.http.port).toBe(9000);
    expect(c.dataDir).toBe("/from/env");
    expect(c.kafka.brokers).toEqual(["a:1", "b:2"]);
    expect(c.kafka.groupId).toBe("g");
    expect(c.http.apiKey).toBe("k");
    expect(c.http.host).toBe("0.0.0.0");
    expect(c.logLevel).toBe("debug");
  });

  it("rejects a non-numeric VECSTREAM_PORT naming http.port", () => {
    expect(() => loadConfig({ VECSTREAM_PORT: "eighty" })).toThrow(/config: http\.port: .*got "eighty"/);
  });

  it("names the file when VECSTREAM_CONFIG is not valid JSON", () => {
    const dir = mkdtempSync(join(tmpdir(), "vecstream-config-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, "{ nope");
    expect(() => loadConfig({ VECSTREAM_CONFIG: file })).toThrow(/bad\.json is not valid JSON/);
  });
});

describe("Kafka TLS and SASL settings", () => {
  function tempDir(): string {
    return mkdtempSync(join(tmpdir(), "vecstream-tls-"));
  }

  it("accepts true and false as before and hands them to kafkajs unchanged", () => {
    for (const ssl of [true, false]) {
      const c = base();
      c.kafka.ssl = ssl;
      expect(readKafkaTls(parseConfig(c).kafka.ssl)).toBe(ssl);
    }
  });

  it("reads the CA, certificate and key files named in kafka.ssl and keeps the other TLS options", () => {
    const dir = tempDir();
    const files = { ca: "ca.pem", cert: "client.pem", key: "client.key" };
    for (const [field, name] of Object.entries(files)) writeFileSync(join(dir, name), `-- ${field} --`);
    const c = base();
    c.kafka.ssl = {
      ca: join(dir, files.ca),
      cert: join(dir, files.cert),
      key: join(dir, files.key),
      rejectUnauthorized: false,
      servername: "kafka.internal",
    };
    const tls = readKafkaTls(parseConfig(c).kafka.ssl);
    expect(tls).toEqual({
      ca: Buffer.from("-- ca --"),
      cert: Buffer.from("-- cert --"),
      key: Buffer.from("-- key --"),
      rejectUnauthorized: false,
      servername: "kafka.internal",
    });
  });

  it("stops loading naming kafka.ssl.cert and the path when that file is missing", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "ca.pem"), "ca");
    const file = join(dir, "c.json");
    const missing = join(dir, "nope.pem");
    writeFileSync(file, JSON.stringify({ kafka: { ssl: { ca: join(dir, "ca.pem"), cert: missing } } }));
    let error: unknown;
    try {
      loadConfig({ VECSTREAM_CONFIG: file });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0].path).toBe("kafka.ssl.cert");
    expect((error as ConfigError).message).toContain(`config: kafka.ssl.cert: cannot read ${missing}`);
  });

  it("takes kafka.sasl.password from VECSTREAM_SASL_PASSWORD over the file", () => {
    const dir = tempDir();
    const file = join(dir, "c.json");
    const sasl = { mechanism: "scram-sha-512", username: "vecstream", password: "from-file" };
    writeFileSync(file, JSON.stringify({ kafka: { sasl } }));
    expect(loadConfig({ VECSTREAM_CONFIG: file }).kafka.sasl?.password).toBe("from-file");
    const c = loadConfig({ VECSTREAM_CONFIG: file, VECSTREAM_SASL_PASSWORD: "s3cret" });
    expect(c.kafka.sasl).toEqual({ ...sasl, password: "s3cret" });
  });

  it("names kafka.sasl.mechanism when VECSTREAM_SASL_PASSWORD is set without a kafka.sasl block", () => {
    expect(() => loadConfig({ VECSTREAM_SASL_PASSWORD: "s3cret" })).toThrow(
      /config: kafka\.sasl\.mechanism: /,
    );
  });
});
