/**
 * Where snapshots live: `<dataDir>/<collection>/snapshot-<seq>.vss`, newest = highest sequence.
 *
 * Contract: `write` saves the collection's current state as the next sequence and keeps only the
 * newest `keep` files; the caller must hold the collection's writer (run it from the writer's queue,
 * src/stream/pipeline.ts `exclusive`) so the state cannot change while it streams. `loadNewest` tries snapshots newest first and returns the
 * first one that verifies and matches the configured dimension and metric; each one that fails is
 * reported to `onFailure` (logged and counted by the caller) and skipped. Undefined means "replay the
 * topic from the beginning". Leftover `.tmp` files (a crash mid-write) are removed, never loaded.
 */

import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { VectorIndex } from "../index/index.js";
import type { IndexCodec } from "./codec.js";
import { SnapshotError } from "./errors.js";
import { readSnapshotFile, writeSnapshotFile } from "./format.js";
import type { SnapshotMeta } from "./format.js";

const NAME = /^snapshot-(\d{12})\.vss$/;

export interface SnapshotFile {
  seq: number;
  path: string;
}

/** What a snapshot saves of a collection (`Collection`, src/collection/collection.ts, is one). */
export interface SnapshotSource {
  readonly name: string;
  readonly dim: number;
  readonly metric: string;
  readonly index: VectorIndex;
  payloads(): ReadonlyMap<string, Record<string, unknown>>;
  appliedOffsets(): ReadonlyMap<number, number>;
}

/** The dimension and metric a loaded snapshot must have (the collection's configuration). */
export interface SnapshotExpectation {
  name: string;
  dim: number;
  metric: string;
}

/** A recovered state, ready for `Collection.restore`. */
export interface SnapshotState {
  index: VectorIndex;
  payloads: Map<string, Record<string, unknown>>;
  offsets: ReadonlyMap<number, number>;
}

export interface LoadedSnapshot {
  state: SnapshotState;
  meta: SnapshotMeta;
  path: string;
}

export class SnapshotStore {
  readonly #dataDir: string;
  readonly #keep: number;
  readonly #codec: IndexCodec;

  constructor(options: { dataDir: string; keep: number; codec: IndexCodec }) {
    this.#dataDir = options.dataDir;
    this.#keep = options.keep;
    this.#codec = options.codec;
  }

  dirOf(collection: string): string {
    return join(this.#dataDir, collection);
  }

  /** Snapshot files of a collection, newest first. */
  async list(collection: string): Promise<SnapshotFile[]> {
    let names: string[];
    try {
      names = await readdir(this.dirOf(collection));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const files: SnapshotFile[] = [];
    for (const name of names) {
      const m = NAME.exec(name);
      if (m) files.push({ seq: Number(m[1]), path: join(this.dirOf(collection), name) });
    }
    return files.sort((a, b) => b.seq - a.seq);
  }

  /** Writes the collection's state as a new snapshot. Call from the collection's writer queue. */
  async write(collection: SnapshotSource): Promise<{ path: string; bytes: number; meta: SnapshotMeta }> {
    const dir = this.dirOf(collection.name);
    await mkdir(dir, { recursive: true });
    const existing = await this.list(collection.name);
    const seq = (existing[0]?.seq ?? 0) + 1;
    const path = join(dir, `snapshot-${String(seq).padStart(12, "0")}.vss`);
    const index = collection.index;
    const meta: SnapshotMeta = {
      collection: collection.name,
      dim: collection.dim,
      metric: collection.metric,
      createdAtMs: Date.now(),
      offsets: Object.fromEntries([...collection.appliedOffsets()].map(([p, o]) => [String(p), o])),
      points: index.size,
      payloads: collection.payloads().size,
    };
    const bytes = await writeSnapshotFile(
      path,
      { meta, index, payloads: collection.payloads() },
      this.#codec,
    );
    await this.#prune(collection.name);
    return { path, bytes, meta };
  }

  async #prune(collection: string): Promise<void> {
    const files = await this.list(collection);
    for (const old of files.slice(this.#keep)) await rm(old.path, { force: true });
  }

  /** The newest snapshot that verifies and fits `config`, or undefined (full replay). */
  async loadNewest(
    config: SnapshotExpectation,
    onFailure: (path: string, error: SnapshotError) => void,
  ): Promise<LoadedSnapshot | undefined> {
    await this.#removeTemporaries(config.name);
    for (const file of await this.list(config.name)) {
      try {
        const { meta, index, payloads } = await readSnapshotFile(file.path, this.#codec);
        if (meta.dim !== config.dim || meta.metric !== config.metric || index.dim !== config.dim) {
          throw new SnapshotError(
            "CONFIG_MISMATCH",
            `snapshot has dim ${meta.dim} / ${meta.metric}, the configuration says ${config.dim} / ${config.metric}`,
          );
        }
        const offsets = new Map(Object.entries(meta.offsets).map(([p, o]) => [Number(p), o]));
        return { state: { index, payloads, offsets }, meta, path: file.path };
      } catch (err) {
        const error =
          err instanceof SnapshotError
            ? err
            : new SnapshotError("IO", `cannot read ${file.path}: ${String(err)}`);
        onFailure(file.path, error);
      }
    }
    return undefined;
  }

  async #removeTemporaries(collection: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dirOf(collection));
    } catch {
      return;
    }
    for (const name of names)
      if (name.endsWith(".tmp")) await rm(join(this.dirOf(collection), name), { force: true });
  }
}
