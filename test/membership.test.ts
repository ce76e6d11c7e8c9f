import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig, deepMerge } from "../src/config.js";
import { defaultMemberName, memberIdentity } from "../src/membership.js";

const base = loadConfig({});

describe("member identity", () => {
  it("gives two instances on one configuration consumer groups of their own by default", () => {
    const a = memberIdentity({ ...base, dataDir: "/var/lib/vecstream-a" });
    const b = memberIdentity({ ...base, dataDir: "/var/lib/vecstream-b" });
    expect(a.replicaGroup).toBeNull();
    expect(a.groupIdOf("demo")).not.toBe(b.groupIdOf("demo"));
    expect(a.groupIdOf("demo")).toMatch(/^vecstream\.member\..+\.demo$/);
  });

  it("keeps the default member name stable across restarts on one host and data directory", () => {
    expect(defaultMemberName("./data", "host-1")).toBe(defaultMemberName("./data", "host-1"));
    expect(defaultMemberName("./data", "host-1")).not.toBe(defaultMemberName("./data", "host-2"));
    expect(defaultMemberName("./data", "host with spaces/x")).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it("puts every member of one replica group in one consumer group per collection", () => {
    const config = parseConfig(deepMerge(base, { cluster: { replicaGroup: "A", memberName: "a1" } }));
    const other = parseConfig(deepMerge(base, { cluster: { replicaGroup: "A", memberName: "a2" } }));
    expect(memberIdentity(config).groupIdOf("demo")).toBe("vecstream.rg.A.demo");
    expect(memberIdentity(other).groupIdOf("demo")).toBe("vecstream.rg.A.demo");
  });

  it("refuses a replica group name that cannot be part of a group id, naming the field", () => {
    expect(() => parseConfig(deepMerge(base, { cluster: { replicaGroup: "a b" } }))).toThrow(
      /cluster\.replicaGroup/,
    );
  });
});
