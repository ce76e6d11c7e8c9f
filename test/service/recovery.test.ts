/**
 * Recovery: a restarted instance (snapshot + replay of what it missed) must hold exactly the state of
 * an instance that never stopped, including when its newest snapshot is damaged.
 */

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Collection } from "../../src/collection/collection.js";
import { SeededRandom } from "../../src/index/random.js";
import { encodeDelete, encodeUpsert } from "../../src/producer/encode.js";
import type { Service } from "../../src/service.js";
import { devBrokerUnavailableReason, isDevBrokerAvailable } from "../support/dev-broker.js";
import { DIM, Harness } from "./harness.js";

const available = isDevBrokerAvailable();
if (!available) console.warn(`skipping recovery tests: ${devBrokerUnavailableReason()}`);

let h: Harness;
afterEach(async () => h?.close());

/** Upserts, replacements and deletes over 60 ids, seeded. */
function workload(seed: number, count: number) {
  const rnd = new SeededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const id = `id${Math.floor(rnd.next() * 60)}`;
    if (i % 7 === 3) return encodeDelete(id);
    const vector = Array.from({ length: DIM }, () => rnd.next());
    return encodeUpsert(id, vector, { seq: i, seed });
  });
}

function stateOf(c: Collection) {
  const points = [...c.index.ids()].sort().map((id) => {
    const p = c.get(id)!;
    return [id, Array.from(p.vector), p.payload ?? null];
  });
  return { points, offsets: Object.fromEntries([...c.appliedOffsets()].sort((a, b) => a[0] - b[0])) };
}

async function caughtUpTo(service: Service, offsets: Record<string, number>) {
  await service.collections.get("pts")!.waitForOffsets(offsets, 20_000);
}

const merge = (a: Record<string, number>, b: Record<string, number>) => {
  const out = { ...a };
  for (const [p, o] of Object.entries(b)) out[p] = Math.max(out[p] ?? -1, o);
  return out;
};

describe.skipIf(!available)("recovery", () => {
  it("restarts from its snapshot plus replay into exactly the state of an instance that never stopped", async () => {
    h = await new Harness().start();
    const first = await h.service();
    const witness = await h.service(
      h.config({ kafka: { groupId: "witness" }, dataDir: `${h.dataDir}-witness` }),
    );
    const before = await h.send(workload(1, 200));
    await caughtUpTo(first, before);
    await first.stop();
    expect(readdirSync(join(h.dataDir, "pts"))).toHaveLength(1);

    const after = merge(before, await h.send(workload(2, 150)));
    const restarted = await h.service();
    await restarted.ready;
    await caughtUpTo(restarted, after);
    await caughtUpTo(witness, after);
    expect(stateOf(restarted.collections.get("pts")!)).toEqual(stateOf(witness.collections.get("pts")!));
    // Only the messages sent while it was down were replayed: the snapshot held the rest.
    const text = await (await fetch(`${restarted.url}/metrics`)).text();
    const applied = [
      ...text.matchAll(
        /vecstream_messages_total\{collection="pts",operation="\w+",outcome="applied"\} (\d+)/g,
      ),
    ];
    expect(applied.reduce((n, m) => n + Number(m[1]), 0)).toBe(150);
  });

  it("falls back to the previous snapshot when the newest is corrupt, and still converges", async () => {
    h = await new Harness().start();
    const config = h.config({ snapshots: { keep: 2 } });
    let service = await h.service(config);
    let sent = await h.send(workload(3, 100));
    await caughtUpTo(service, sent);
    await service.stop();
    service = await h.service(config);
    sent = merge(sent, await h.send(workload(4, 100)));
    await caughtUpTo(service, sent);
    await service.stop();
    const files = readdirSync(join(h.dataDir, "pts")).sort();
    expect(files).toHaveLength(2);
    const newest = join(h.dataDir, "pts", files[1]);
    const bytes = readFileSync(newest);
    bytes[bytes.length >> 1] ^= 0x5a;
    writeFileSync(newest, bytes);

    const witness = await h.service(h.config({ kafka: { groupId: "witness2" }, dataDir: `${h.dataDir}-w2` }));
    const restarted = await h.service(config);
    await restarted.ready;
    await caughtUpTo(restarted, sent);
    await caughtUpTo(witness, sent);
    expect(stateOf(restarted.collections.get("pts")!)).toEqual(stateOf(witness.collections.get("pts")!));
    const text = await (await fetch(`${restarted.url}/metrics`)).text();
    expect(text).toMatch(
      /vecstream_snapshot_load_failures_total\{collection="pts",reason="(corrupt_index|checksum_mismatch)"\} 1/,
    );
  });
});
