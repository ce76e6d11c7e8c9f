/**
 * Worker-thread entry of `exactKnnParallel`: computes exact k-NN for its slice of the queries and posts
 * the ids back. Contract: `workerData` is `{ input: ExactKnnInput, from, to }`; exactly one message.
 */

import { parentPort, workerData } from "node:worker_threads";

import type { ExactKnnInput } from "./exact-knn.js";
import { exactKnn } from "./exact-knn.js";

const { input, from, to } = workerData as { input: ExactKnnInput; from: number; to: number };
const ids = exactKnn(input, from, to);
parentPort?.postMessage(ids, [ids.buffer as ArrayBuffer]);
