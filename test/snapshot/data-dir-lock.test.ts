import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "../../src/snapshot/data-dir-lock.js";

const dir = () => mkdtempSync(join(tmpdir(), "vecstream-lock-"));

describe("the data directory lock", () => {
  it("refuses a second instance on a data directory in use, naming the holder's pid", () => {
    const d = dir();
    writeFileSync(join(d, "vecstream.lock"), `${process.ppid}\n`); // a live process that is not us
    expect(() => lockDataDir(d)).toThrow(DataDirLockedError);
    expect(() => lockDataDir(d)).toThrow(new RegExp(`pid ${process.ppid}`));
  });

  it("takes over a lock left by a process that is gone", () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    writeFileSync(join(d, "vecstream.lock"), `${dead.stdout.toString()}\n`);
    const lock = lockDataDir(d);
    expect(readFileSync(lock.path, "utf8").trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
  });

  it("is released by its holder, after which the directory can be locked again", () => {
    const d = dir();
    lockDataDir(d).release();
    const again = lockDataDir(d);
    again.release();
  });
});
