/**
 * The express application: JSON body limit, optional bearer auth, route metrics, the routes, and the
 * one error middleware.
 *
 * Contract: `createApp` builds an app over a `ServiceView` and never starts a server, so tests can
 * `listen(0)` on it. `/healthz` answers while the process is up; `/readyz` answers 200 once every
 * collection has loaded its snapshot and caught up with the log as it stood at start, else 503 with
 * what is pending. `vecstream_http_requests_total` is labelled with the route pattern
 * (`/collections/:name/search`), never the raw URL, so label cardinality stays bounded.
 */

import express from "express";
import type { Express, RequestHandler } from "express";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Metrics } from "../metrics.js";
import { bearerAuth } from "./auth.js";
import { collectionInfo } from "./collection-view.js";
import { ApiError, errorMiddleware, routeNotFound } from "./errors.js";
import { collectionOf, searchRoutes } from "./search.js";
import type { CollectionStatus, ServiceView } from "./view.js";

export interface AppOptions {
  view: ServiceView;
  metrics: Metrics;
  logger: Logger;
  http: Config["http"];
}

function requestMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    res.on("finish", () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/** Where each collection stands; ready only when all are. */
export function readiness(view: ServiceView): {
  ready: boolean;
  collections: Record<string, CollectionStatus>;
} {
  const collections: Record<string, CollectionStatus> = {};
  for (const name of view.collections.keys()) collections[name] = view.status(name);
  return { ready: Object.values(collections).every((s) => s === "ready"), collections };
}

export function createApp({ view, metrics, logger, http }: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestMetrics(metrics));
  app.use(express.json({ limit: http.bodyLimitBytes }));

  const auth: RequestHandler = http.apiKey ? bearerAuth(http.apiKey) : (_req, _res, next) => next();
  const open: RequestHandler = (_req, _res, next) => next();
  const healthAuth = http.protectHealth ? auth : open;
  const metricsAuth = http.protectMetrics ? auth : open;

  app.get("/healthz", healthAuth, (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", healthAuth, (_req, res) => {
    const state = readiness(view);
    if (!state.ready) {
      const pending = Object.entries(state.collections).filter(([, s]) => s !== "ready");
      const list = pending.map(([n, s]) => `${n} (${s})`).join(", ");
      throw new ApiError(503, "NOT_READY", `not ready: ${list}`, { collections: state.collections });
    }
    res.json({ status: "ready", collections: state.collections });
  });
  app.get("/metrics", metricsAuth, async (_req, res) => {
    res.set("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  const api = express.Router();
  api.use(auth);
  api.get("/collections", (_req, res) => {
    const collections = [...view.collections.values()].map((c) => ({
      name: c.name,
      status: view.status(c.name),
      points: c.sizes().points,
    }));
    res.json({ result: { collections } });
  });
  api.get("/collections/:name", (req, res) => {
    const collection = collectionOf(view, req);
    res.json({ result: { ...collectionInfo(collection), status: view.status(collection.name) } });
  });
  searchRoutes(api, view, metrics);
  app.use(api);

  app.use(routeNotFound);
  app.use(errorMiddleware(logger));
  return app;
}
