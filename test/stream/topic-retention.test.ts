import { describe, expect, it } from "vitest";
import { judgeRetention } from "../../src/stream/topic-retention.js";

describe("judgeRetention", () => {
  it("trusts a compacted topic, also one that compacts and deletes", () => {
    expect(judgeRetention("compact", 604_800_000).kind).toBe("compacted");
    expect(judgeRetention("compact,delete", 1000).kind).toBe("compacted");
  });

  it("trusts a topic that deletes nothing (retention.ms -1)", () => {
    expect(judgeRetention("delete", -1).kind).toBe("retained_forever");
  });

  it("warns about a time-retained topic: a replay would miss keys written before the retention", () => {
    expect(judgeRetention("delete", 604_800_000)).toEqual({
      kind: "may_lose_state",
      policy: "delete",
      retentionMs: 604_800_000,
    });
  });
});
