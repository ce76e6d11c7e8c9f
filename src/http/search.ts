/**
 * Search and point routes: `POST /collections/:name/search`, `.../search/batch`,
 * `GET /collections/:name/points/:id`.
 *
 * Contract: a search validates its body, checks the vector against the collection's dimension (the
 * message names both), waits for `min_offsets` (read-your-writes, bounded by `timeout_ms`), then runs
 * synchronously against the index. Every search is counted once in `vecstream_searches_total` with its
 * outcome, and timed in `vecstream_search_seconds` (search time only, not the wait).
 */

import type { Request, Router } from "express";
import type { Collection, CollectionHit } from "../collection/collection.js";
import type { Payload } from "../collection/ops.js";
import { ReadYourWritesTimeoutError } from "../collection/partition-ledger.js";
import type { Metrics, SearchOutcome } from "../metrics.js";
import { UNKNOWN_COLLECTION } from "../metrics.js";
import { ApiError } from "./errors.js";
import { batchSearchSchema, searchSchema } from "./schemas.js";
import type { SearchRequest } from "./schemas.js";
import type { ServiceView } from "./view.js";

/** The collection named in the URL, or 404; 503 while its snapshot is still loading. */
export function collectionOf(view: ServiceView, req: Request): Collection {
  const name = String(req.params.name);
  const collection = view.collections.get(name);
  if (!collection) {
    throw new ApiError(404, "COLLECTION_NOT_FOUND", `collection ${name} does not exist`, {
      collection: name,
      known: [...view.collections.keys()],
    });
  }
  if (view.status(name) === "loading_snapshot") {
    throw new ApiError(
      503,
      "COLLECTION_LOADING",
      `collection ${name} is still loading its snapshot; retry shortly`,
    );
  }
  return collection;
}

/** The parsed JSON body; express leaves it undefined when the request is not `application/json`. */
function jsonBody(req: Request): unknown {
  if (req.body === undefined) {
    throw new ApiError(
      400,
      "INVALID_REQUEST",
      "send a JSON body with the header content-type: application/json",
    );
  }
  return req.body;
}

function outcomeOf(err: unknown): SearchOutcome {
  if (err instanceof ReadYourWritesTimeoutError) return "timeout";
  if (err instanceof ApiError)
    return err.status === 404 ? "not_found" : err.status < 500 ? "invalid" : "error";
  const name = (err as Error)?.name;
  return name === "ZodError" || name === "IndexError" ? "invalid" : "error";
}

function checkDimension(collection: Collection, vector: readonly number[], where: string): void {
  if (vector.length !== collection.dim) {
    throw new ApiError(
      400,
      "DIMENSION_MISMATCH",
      `${where} has ${vector.length} dimensions, collection ${collection.name} has ${collection.dim}`,
      { expected: collection.dim, received: vector.length },
    );
  }
}

/** 400 for `min_offsets` naming partitions the collection's topic does not have: they never arrive. */
function checkPartitions(collection: Collection, minOffsets: Record<string, number>): void {
  const unknown = collection.unknownPartitions(Object.keys(minOffsets).map(Number));
  if (unknown.length === 0) return;
  const known = [...(collection.ledger.topicPartitions ?? [])].sort((a, b) => a - b);
  throw new ApiError(
    400,
    "UNKNOWN_PARTITION",
    `min_offsets names partition${unknown.length > 1 ? "s" : ""} ${unknown.slice(0, 8).join(", ")}` +
      `${unknown.length > 8 ? ", ..." : ""}; topic ${collection.topic} has partitions ` +
      `${known.length > 0 ? `0..${known[known.length - 1]}` : "(none)"}`,
    { unknown: unknown.slice(0, 32), unknown_count: unknown.length, partitions: known.length },
  );
}

function payloadFilter(filter: SearchRequest["filter"]) {
  if (!filter) return undefined;
  const entries = Object.entries(filter);
  return (_id: string, payload: Payload | undefined) =>
    payload !== undefined && entries.every(([key, value]) => payload[key] === value);
}

function render(collection: Collection, hits: CollectionHit[], req: SearchRequest) {
  return hits.map((h) => {
    const out: Record<string, unknown> = { id: h.id, distance: h.distance };
    if (req.with_payload) out.payload = h.payload ?? null;
    if (req.with_vector) out.vector = Array.from(collection.index.getVector(h.id) ?? []);
    return out;
  });
}

/** Per partition, the highest offset any of the searches asked for. */
function mergeOffsets(searches: readonly SearchRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of searches) {
    for (const [p, o] of Object.entries(s.min_offsets ?? {})) out[p] = Math.max(out[p] ?? -1, o);
  }
  return out;
}

async function counted<T>(
  metrics: Metrics,
  req: Request,
  view: ServiceView,
  run: () => Promise<T>,
): Promise<T> {
  const name = String(req.params.name);
  const label = view.collections.has(name) ? name : UNKNOWN_COLLECTION;
  try {
    const result = await run();
    metrics.searches.inc({ collection: label, outcome: "ok" });
    return result;
  } catch (err) {
    metrics.searches.inc({ collection: label, outcome: outcomeOf(err) });
    throw err;
  }
}

export function searchRoutes(router: Router, view: ServiceView, metrics: Metrics): void {
  router.post("/collections/:name/search", async (req, res) => {
    const started = performance.now();
    const result = await counted(metrics, req, view, async () => {
      const collection = collectionOf(view, req);
      const body = searchSchema.parse(jsonBody(req));
      checkDimension(collection, body.vector, "vector");
      if (body.min_offsets) {
        checkPartitions(collection, body.min_offsets);
        await collection.waitForOffsets(body.min_offsets, body.timeout_ms);
      }
      const stop = metrics.searchSeconds.startTimer({ collection: collection.name, kind: "single" });
      const hits = collection.search(body.vector, body.k, body.ef, payloadFilter(body.filter));
      stop();
      view.onSearch?.(collection.name, body.vector);
      return render(collection, hits, body);
    });
    res.json({ result, took_ms: performance.now() - started });
  });

  router.post("/collections/:name/search/batch", async (req, res) => {
    const started = performance.now();
    const result = await counted(metrics, req, view, async () => {
      const collection = collectionOf(view, req);
      const { searches } = batchSearchSchema.parse(jsonBody(req));
      searches.forEach((s, i) => checkDimension(collection, s.vector, `searches[${i}].vector`));
      const wanted = mergeOffsets(searches);
      if (Object.keys(wanted).length > 0) {
        checkPartitions(collection, wanted);
        await collection.waitForOffsets(wanted, Math.max(...searches.map((s) => s.timeout_ms)));
      }
      const stop = metrics.searchSeconds.startTimer({ collection: collection.name, kind: "batch" });
      const out = searches.map((s) =>
        render(collection, collection.search(s.vector, s.k, s.ef, payloadFilter(s.filter)), s),
      );
      stop();
      for (const s of searches) view.onSearch?.(collection.name, s.vector);
      return out;
    });
    res.json({ result, took_ms: performance.now() - started });
  });

  router.get("/collections/:name/points/:id", (req, res) => {
    const collection = collectionOf(view, req);
    const id = String(req.params.id);
    const point = collection.get(id);
    if (!point) {
      throw new ApiError(404, "POINT_NOT_FOUND", `point ${id} is not in collection ${collection.name}`, {
        id,
      });
    }
    res.json({ result: { id, vector: Array.from(point.vector), payload: point.payload ?? null } });
  });
}
