/**
 * One process per data directory: `<dataDir>/vecstream.lock` holds the pid of the instance using it.
 *
 * Contract: `lockDataDir` creates the directory if needed and takes the lock, or throws
 * `DataDirLockedError` naming the pid that holds it. A lock left by a process that is gone (a
 * SIGKILL, a crash) is taken over. Two instances sharing a data directory would overwrite each
 * other's snapshots, and by default they would also share a member name (membership.ts), so this
 * refusal is what keeps "two instances on one host" safe. `release()` removes the lock if it is
 * still ours; the process exit releases nothing (a stale lock is detected by its dead pid).
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class DataDirLockedError extends Error {
  readonly code = "DATA_DIR_LOCKED";
  readonly retriable = false;

  constructor(dataDir: string, pid: number) {
    super(
      `data directory ${dataDir} is in use by another vecstream (pid ${pid}); ` +
        "give each instance its own dataDir (VECSTREAM_DATA_DIR)",
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, "vecstream.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      return { path, release: () => holder(path) === process.pid && rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = holder(path);
      // Our own pid is a restarted container's pid 1 reading its previous life's lock.
      if (pid !== undefined && pid !== process.pid && isAlive(pid))
        throw new DataDirLockedError(dataDir, pid);
      rmSync(path, { force: true });
    }
  }
  throw new DataDirLockedError(dataDir, holder(path) ?? -1);
}
