/** The harness's reply pairing, without a broker: order, ERR, timeouts that keep their slot, exit. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ReplyQueue } from "./dev-broker-protocol.js";
import type { DevBrokerError } from "./dev-broker-protocol.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("ReplyQueue", () => {
  it("pairs reply lines with commands in the order they were sent", async () => {
    const queue = new ReplyQueue();
    const first = queue.expect("ping", 1_000);
    const second = queue.expect("bootstrap", 1_000);
    queue.deliver("OK pong");
    queue.deliver("OK 127.0.0.1:1");
    await expect(first).resolves.toBe("pong");
    await expect(second).resolves.toBe("127.0.0.1:1");
  });

  it("resolves a bare OK with empty text and rejects ERR with its reason", async () => {
    const queue = new ReplyQueue();
    const ok = queue.expect("quit", 1_000);
    const err = queue.expect("down 9", 1_000);
    queue.deliver("OK");
    queue.deliver("ERR BROKER_NOT_AVAILABLE: Broker: Broker not available");
    await expect(ok).resolves.toBe("");
    await expect(err).rejects.toMatchObject({
      code: "DEV_BROKER_COMMAND_FAILED",
      message: "BROKER_NOT_AVAILABLE: Broker: Broker not available",
    });
  });

  it("discards the late reply of a timed-out command instead of giving it to the next one", async () => {
    vi.useFakeTimers();
    const queue = new ReplyQueue();
    const slow = queue.expect("rtt 1 5", 100);
    const slowRejected = expect(slow).rejects.toMatchObject({ code: "DEV_BROKER_COMMAND_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(150);
    await slowRejected;
    const next = queue.expect("ping", 100);
    queue.deliver("OK rtt 1 5");
    queue.deliver("OK pong");
    await expect(next).resolves.toBe("pong");
  });

  it("rejects every pending command when the broker exits", async () => {
    const queue = new ReplyQueue();
    const pending = [queue.expect("ping", 1_000), queue.expect("up 1", 1_000)];
    queue.failAll("the dev broker exited (code 1)");
    const outcomes = await Promise.allSettled(pending);
    expect(
      outcomes.map((o) => (o.status === "rejected" ? (o.reason as DevBrokerError).code : o.status)),
    ).toEqual(["DEV_BROKER_EXITED", "DEV_BROKER_EXITED"]);
  });
});
