/**
 * Message sources of the producer CLI: each yields kafkajs `Message`s in the wire format
 * (`encode.ts`) from one kind of input.
 *
 * - `fvecsMessages`: rows of an `.fvecs` file; row `r` gets id `<idPrefix><r>` (so id N is base row N,
 *   as the streaming runbooks assume).
 * - `ndjsonMessages`: lines `{"id": string, "vector": number[], "payload"?: object}`; blank lines skipped.
 * - `deleteMessages`: tombstones for ids given on the command line or one per line in a file.
 *
 * Contract: a malformed input line throws a `SourceError` naming the file and line, before anything
 * from it is sent.
 */

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Message } from "kafkajs";
import { encodeDelete, encodeUpsert, type WireFormat } from "./encode.js";
import { fvecsRows, type FvecsStreamOptions } from "./fvecs-stream.js";

export class SourceError extends Error {
  readonly code = "INVALID_INPUT";
}

export async function* fvecsMessages(
  path: string,
  options: FvecsStreamOptions & { idPrefix: string; format: WireFormat },
): AsyncGenerator<Message> {
  for await (const { row, vector } of fvecsRows(path, options)) {
    yield encodeUpsert(`${options.idPrefix}${row}`, vector, undefined, { format: options.format });
  }
}

async function* lines(path: string): AsyncGenerator<{ line: string; number: number }> {
  const reader = createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity });
  let number = 0;
  for await (const line of reader) {
    number++;
    if (line.trim() !== "") yield { line, number };
  }
}

export async function* ndjsonMessages(path: string, format: WireFormat): AsyncGenerator<Message> {
  for await (const { line, number } of lines(path)) {
    const where = `${path}:${number}`;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (err) {
      throw new SourceError(`${where}: not JSON (${(err as Error).message})`);
    }
    const { id, vector, payload } = (doc ?? {}) as { id?: unknown; vector?: unknown; payload?: unknown };
    if (typeof id !== "string") throw new SourceError(`${where}: "id" must be a string`);
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === "number")) {
      throw new SourceError(`${where}: "vector" must be an array of numbers`);
    }
    if (
      payload !== undefined &&
      (payload === null || typeof payload !== "object" || Array.isArray(payload))
    ) {
      throw new SourceError(`${where}: "payload" must be an object`);
    }
    try {
      yield encodeUpsert(id, vector as number[], payload as Record<string, unknown> | undefined, { format });
    } catch (err) {
      throw new SourceError(`${where}: ${(err as Error).message}`);
    }
  }
}

export async function* deleteMessages(ids: readonly string[], idsFrom?: string): AsyncGenerator<Message> {
  for (const id of ids) yield encodeDelete(id);
  if (idsFrom === undefined) return;
  for await (const { line } of lines(idsFrom)) yield encodeDelete(line.trim());
}

/** Counts the non-blank lines of a file (the progress bar's total for line-based inputs). */
export async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const _ of lines(path)) n++;
  return n;
}
