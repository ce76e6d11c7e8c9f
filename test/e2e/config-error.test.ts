/** The process refuses an invalid configuration before touching Kafka: exit 2, the field named. */

import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("the vecstream process with an invalid configuration", () => {
  it("exits 2 and names the invalid field on stderr", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, VECSTREAM_PORT: "eighty", VECSTREAM_CONFIG: "" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('config: http.port: expected a non-negative integer, got "eighty"');
  });
});
