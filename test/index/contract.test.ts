/**
 * Runs the shared `VectorIndex` contract over the exact engine. The HNSW run lives in
 * `contract-hnsw.test.ts`, beside its recall check against this engine.
 */

import { BruteForceIndex } from "../../src/index/brute-force-index.js";
import { runVectorIndexContract } from "./contract.js";

runVectorIndexContract("BruteForceIndex", (params) => new BruteForceIndex(params));
