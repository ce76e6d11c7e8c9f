/**
 * The service end to end against the dev broker: Kafka in, HTTP out, dead letters, read-your-writes,
 * readiness. Skips with the reason when the dev broker cannot be built here.
 */

import { afterEach, describe, expect, it } from "vitest";
import { encodeDelete, encodeUpsert } from "../../src/producer/encode.js";
import { engineCodec } from "../../src/snapshot/index-codec.js";
import { devBrokerUnavailableReason, isDevBrokerAvailable } from "../support/dev-broker.js";
import { Harness, ids, search } from "./harness.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping service integration tests: ${devBrokerUnavailableReason()}`);

let h: Harness;
afterEach(async () => h?.close());

describe.skipIf(!available)("service against the dev broker", () => {
  it("makes an upsert searchable, replaces it on a second upsert, and deletes it on a tombstone", async () => {
    h = await new Harness().start();
    const service = await h.service();
    await service.ready;
    let offsets = await h.send([encodeUpsert("a", [1, 0, 0, 0], { v: 1 }), encodeUpsert("b", [0, 9, 0, 0])]);
    let r = await search(service, { vector: [1, 0, 0, 0], k: 1, min_offsets: offsets });
    expect(r.body.result).toEqual([{ id: "a", distance: 0, payload: { v: 1 } }]);

    offsets = await h.send([encodeUpsert("a", [0, 9, 0, 1], { v: 2 })]);
    r = await search(service, { vector: [0, 9, 0, 1], k: 2, min_offsets: offsets });
    expect(r.body.result![0]).toEqual({ id: "a", distance: 0, payload: { v: 2 } });

    offsets = await h.send([encodeDelete("a")]);
    r = await search(service, { vector: [0, 9, 0, 1], k: 5, min_offsets: offsets });
    expect(ids(r)).toEqual(["b"]);
  });

  it("sends each kind of bad message to the dead-letter topic and applies the valid ones around it", async () => {
    h = await new Harness().start(1);
    const service = await h.service(h.config({ pipeline: { maxMessageBytes: 2048 } }));
    await service.ready;
    const bad = [
      { key: "k1", value: "{ not json" },
      { key: "k2", value: JSON.stringify({ vector: [1, 2] }) },
      { key: "k3", value: JSON.stringify({ vector: [1, 2, "x", 4] }) },
      { key: "k4", value: JSON.stringify({ vector: [1, 2, 3, 4], payload: [1] }) },
      { key: null, value: JSON.stringify({ vector: [1, 2, 3, 4] }) },
      { key: "k6", value: "x", headers: { "content-type": "text/plain" } },
      { key: "k7", value: JSON.stringify({ vector: [1, 2, 3, 4], payload: { text: "x".repeat(3000) } }) },
    ];
    const offsets = await h.send(
      [encodeUpsert("before", [1, 1, 1, 1]), ...bad, encodeUpsert("after", [2, 2, 2, 2])],
      1,
    );
    const r = await search(service, { vector: [1, 1, 1, 1], k: 10, min_offsets: offsets });
    expect(ids(r).sort()).toEqual(["after", "before"]);
    const letters = await h.deadLetters(bad.length);
    expect(letters.map((l) => l.reason).sort()).toEqual(
      [
        "bad_content_type",
        "bad_json",
        "bad_payload",
        "no_key",
        "non_finite",
        "oversized",
        "wrong_dimension",
      ].sort(),
    );
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('vecstream_dead_letters_total{collection="pts",reason="bad_json"} 1');
    expect(text).toContain(
      'vecstream_messages_total{collection="pts",operation="upsert",outcome="applied"} 2',
    );
    // Read-your-writes on a message that was dead-lettered returns instead of waiting out its timeout.
    const badOffsets = await h.send([{ key: "k8", value: "{ nope" }], 1);
    const after = await search(service, {
      vector: [1, 1, 1, 1],
      k: 1,
      min_offsets: badOffsets,
      timeout_ms: 15_000,
    });
    expect(after.status).toBe(200);
  });

  it("answers 408 when min_offsets name an offset not yet written", async () => {
    h = await new Harness().start();
    const service = await h.service();
    await service.ready;
    const r = await search(service, { vector: [0, 0, 0, 1], min_offsets: { "0": 1000 }, timeout_ms: 200 });
    expect(r.status).toBe(408);
    expect(r.body.error!.code).toBe("READ_YOUR_WRITES_TIMEOUT");
  });

  it("answers readyz 200 only once every message present at start is applied", async () => {
    h = await new Harness().start();
    const messages = Array.from({ length: 300 }, (_, i) => encodeUpsert(`p${i}`, [i, 1, 2, 3]));
    await h.send(messages);
    const service = await h.service();
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await fetch(`${service.url}/readyz`)).status;
      if (status !== 200) expect(status).toBe(503);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(200);
    // Checked synchronously after the first 200: nothing could be applied in between.
    expect(service.collections.get("pts")!.sizes().points).toBe(300);
    expect(await (await fetch(`${service.url}/metrics`)).text()).toContain("vecstream_ready 1");
  });

  it("answers 400 naming the partition when min_offsets names one the topic does not have", async () => {
    h = await new Harness().start(2);
    const service = await h.service();
    await service.ready;
    const r = await search(service, {
      vector: [0, 0, 0, 1],
      min_offsets: { "1": 0, "7": 3 },
      timeout_ms: 5000,
    });
    expect(r.status).toBe(400);
    expect(r.body.error!.code).toBe("UNKNOWN_PARTITION");
    expect(JSON.stringify(r.body.error)).toContain("partition 7");
  });

  it("rejects stop when the shutdown snapshot cannot be written, so the process exits non-zero", async () => {
    h = await new Harness().start();
    const failing = {
      ...engineCodec,
      serialize: () => {
        throw new Error("disk full");
      },
    };
    const service = await h.service(h.config(), { codec: failing });
    await service.ready;
    await h.send([encodeUpsert("a", [1, 0, 0, 0])]);
    await new Promise((r) => setTimeout(r, 200));
    await expect(service.stop()).rejects.toThrow(/shutdown snapshot of pts failed/);
  });
});
