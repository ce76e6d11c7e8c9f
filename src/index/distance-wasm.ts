/**
 * WebAssembly SIMD distance kernels (f32x4) over vectors that live in WASM linear memory, so the kernels
 * read them in place (the engine's store is `WasmVectorStore` in `vector-store-wasm.ts`).
 *
 * Contract: the module bytes are embedded below (assembled offline from `distance-wasm.wat` by
 * `npx tsx bench/distance/assemble.ts --write`; a test fails when the two disagree), so loading this
 * file compiles a ~1 KB module synchronously and needs no build step or file access. Distances follow
 * `distance.ts`: smaller is nearer, `l2` squared, `cosine` 1 - dot of vectors normalised by the caller,
 * `dot` negated. Sums run in float32 lanes, so values differ from the JS kernels by a relative ~1e-6.
 *
 * Why vectors live in the memory and not in any Float32Array: WASM reads only its own linear memory, and copying
 * a stored vector in per call would cost more than the distance itself. Growing the memory
 * (`memory.grow`) detaches every view on the old buffer, so views are re-fetched after `grow`.
 */

import { IndexError } from "./errors.js";

/** The assembled `distance-wasm.wat` (see the module doc for how to regenerate it). */
export const DISTANCE_WASM_BASE64 =
  "AGFzbQEAAAABGgNgA39/fwF9YAV/f39/fwBgB39/f39/f38AAg8BA2VudgZtZW1vcnkCAAEDCwoAAAAAAQECAgICBx8EAmwyAAICaXAAAwdsMkJhdGNoAAgHaXBCYXRjaAAJCoshCvcCAwV7AX8CfSAAIAJBcHFBAnRqIQgCQCAAIAhPDQADQCAA/QAEACAB/QAEAP3lASEHIAMgByAH/eYB/eQBIQMgAP0ABBAgAf0ABBD95QEhByAEIAcgB/3mAf3kASEEIAD9AAQgIAH9AAQg/eUBIQcgBSAHIAf95gH95AEhBSAA/QAEMCAB/QAEMP3lASEHIAYgByAH/eYB/eQBIQYgAEHAAGohACABQcAAaiEBIAAgCEkNAAsLIAAgAkEMcUECdGohCAJAIAAgCE8NAANAIAD9AAQAIAH9AAQA/eUBIQcgAyAHIAf95gH95AEhAyAAQRBqIQAgAUEQaiEBIAAgCEkNAAsLIAMgBP3kASAFIAb95AH95AEhAyAD/R8AIAP9HwGSIAP9HwIgA/0fA5KSIQkgACACQQNxQQJ0aiEIAkAgACAITw0AA0AgACoCACABKgIAkyEKIAkgCiAKlJIhCSAAQQRqIQAgAUEEaiEBIAAgCEkNAAsLIAkLwwIDBHsBfwF9IAAgAkFwcUECdGohBwJAIAAgB08NAANAIAMgAP0ABAAgAf0ABAD95gH95AEhAyAEIAD9AAQQIAH9AAQQ/eYB/eQBIQQgBSAA/QAEICAB/QAEIP3mAf3kASEFIAYgAP0ABDAgAf0ABDD95gH95AEhBiAAQcAAaiEAIAFBwABqIQEgACAHSQ0ACwsgACACQQxxQQJ0aiEHAkAgACAHTw0AA0AgAyAA/QAEACAB/QAEAP3mAf3kASEDIABBEGohACABQRBqIQEgACAHSQ0ACwsgAyAE/eQBIAUgBv3kAf3kASEDIAP9HwAgA/0fAZIgA/0fAiAD/R8DkpIhCCAAIAJBA3FBAnRqIQcCQCAAIAdPDQADQCAIIAAqAgAgASoCAJSSIQggAEEEaiEAIAFBBGohASAAIAdJDQALCyAICwoAIAAgASACEAALCgAgACABIAIQAQv4BAMNewF/BH0gACADQXBxQQJ0aiESAkAgACASTw0AA0AgAP0ABAAhDSAA/QAEECEOIAD9AAQgIQ8gAP0ABDAhECANIAH9AAQA/eUBIREgBSARIBH95gH95AEhBSANIAL9AAQA/eUBIREgCSARIBH95gH95AEhCSAOIAH9AAQQ/eUBIREgBiARIBH95gH95AEhBiAOIAL9AAQQ/eUBIREgCiARIBH95gH95AEhCiAPIAH9AAQg/eUBIREgByARIBH95gH95AEhByAPIAL9AAQg/eUBIREgCyARIBH95gH95AEhCyAQIAH9AAQw/eUBIREgCCARIBH95gH95AEhCCAQIAL9AAQw/eUBIREgDCARIBH95gH95AEhDCAAQcAAaiEAIAFBwABqIQEgAkHAAGohAiAAIBJJDQALCyAAIANBDHFBAnRqIRICQCAAIBJPDQADQCAA/QAEACENIA0gAf0ABAD95QEhESAFIBEgEf3mAf3kASEFIA0gAv0ABAD95QEhESAJIBEgEf3mAf3kASEJIABBEGohACABQRBqIQEgAkEQaiECIAAgEkkNAAsLIAUgBv3kASAHIAj95AH95AEhBSAF/R8AIAX9HwGSIAX9HwIgBf0fA5KSIRMgCSAK/eQBIAsgDP3kAf3kASEJIAn9HwAgCf0fAZIgCf0fAiAJ/R8DkpIhFCAAIANBA3FBAnRqIRICQCAAIBJPDQADQCAAKgIAIRUgFSABKgIAkyEWIBMgFiAWlJIhEyAVIAIqAgCTIRYgFCAWIBaUkiEUIABBBGohACABQQRqIQEgAkEEaiECIAAgEkkNAAsLIAQgEzgCACAEIBQ4AgQLkAQDDXsBfwR9IAAgA0FwcUECdGohEgJAIAAgEk8NAANAIAD9AAQAIQ0gAP0ABBAhDiAA/QAEICEPIAD9AAQwIRAgBSANIAH9AAQA/eYB/eQBIQUgCSANIAL9AAQA/eYB/eQBIQkgBiAOIAH9AAQQ/eYB/eQBIQYgCiAOIAL9AAQQ/eYB/eQBIQogByAPIAH9AAQg/eYB/eQBIQcgCyAPIAL9AAQg/eYB/eQBIQsgCCAQIAH9AAQw/eYB/eQBIQggDCAQIAL9AAQw/eYB/eQBIQwgAEHAAGohACABQcAAaiEBIAJBwABqIQIgACASSQ0ACwsgACADQQxxQQJ0aiESAkAgACASTw0AA0AgAP0ABAAhDSAFIA0gAf0ABAD95gH95AEhBSAJIA0gAv0ABAD95gH95AEhCSAAQRBqIQAgAUEQaiEBIAJBEGohAiAAIBJJDQALCyAFIAb95AEgByAI/eQB/eQBIQUgBf0fACAF/R8BkiAF/R8CIAX9HwOSkiETIAkgCv3kASALIAz95AH95AEhCSAJ/R8AIAn9HwGSIAn9HwIgCf0fA5KSIRQgACADQQNxQQJ0aiESAkAgACASTw0AA0AgACoCACEVIBMgFSABKgIAlJIhEyAUIBUgAioCAJSSIRQgAEEEaiEAIAFBBGohASACQQRqIQIgACASSQ0ACwsgBCATOAIAIAQgFDgCBAvACAMVewF/Bn0gACAFQXBxQQJ0aiEcAkAgACAcTw0AA0AgAP0ABAAhFyAA/QAEECEYIAD9AAQgIRkgAP0ABDAhGiAXIAH9AAQA/eUBIRsgByAbIBv95gH95AEhByAXIAL9AAQA/eUBIRsgCyAbIBv95gH95AEhCyAXIAP9AAQA/eUBIRsgDyAbIBv95gH95AEhDyAXIAT9AAQA/eUBIRsgEyAbIBv95gH95AEhEyAYIAH9AAQQ/eUBIRsgCCAbIBv95gH95AEhCCAYIAL9AAQQ/eUBIRsgDCAbIBv95gH95AEhDCAYIAP9AAQQ/eUBIRsgECAbIBv95gH95AEhECAYIAT9AAQQ/eUBIRsgFCAbIBv95gH95AEhFCAZIAH9AAQg/eUBIRsgCSAbIBv95gH95AEhCSAZIAL9AAQg/eUBIRsgDSAbIBv95gH95AEhDSAZIAP9AAQg/eUBIRsgESAbIBv95gH95AEhESAZIAT9AAQg/eUBIRsgFSAbIBv95gH95AEhFSAaIAH9AAQw/eUBIRsgCiAbIBv95gH95AEhCiAaIAL9AAQw/eUBIRsgDiAbIBv95gH95AEhDiAaIAP9AAQw/eUBIRsgEiAbIBv95gH95AEhEiAaIAT9AAQw/eUBIRsgFiAbIBv95gH95AEhFiAAQcAAaiEAIAFBwABqIQEgAkHAAGohAiADQcAAaiEDIARBwABqIQQgACAcSQ0ACwsgACAFQQxxQQJ0aiEcAkAgACAcTw0AA0AgAP0ABAAhFyAXIAH9AAQA/eUBIRsgByAbIBv95gH95AEhByAXIAL9AAQA/eUBIRsgCyAbIBv95gH95AEhCyAXIAP9AAQA/eUBIRsgDyAbIBv95gH95AEhDyAXIAT9AAQA/eUBIRsgEyAbIBv95gH95AEhEyAAQRBqIQAgAUEQaiEBIAJBEGohAiADQRBqIQMgBEEQaiEEIAAgHEkNAAsLIAcgCP3kASAJIAr95AH95AEhByAH/R8AIAf9HwGSIAf9HwIgB/0fA5KSIR8gCyAM/eQBIA0gDv3kAf3kASELIAv9HwAgC/0fAZIgC/0fAiAL/R8DkpIhICAPIBD95AEgESAS/eQB/eQBIQ8gD/0fACAP/R8BkiAP/R8CIA/9HwOSkiEhIBMgFP3kASAVIBb95AH95AEhEyAT/R8AIBP9HwGSIBP9HwIgE/0fA5KSISIgACAFQQNxQQJ0aiEcAkAgACAcTw0AA0AgACoCACEdIB0gASoCAJMhHiAfIB4gHpSSIR8gHSACKgIAkyEeICAgHiAelJIhICAdIAMqAgCTIR4gISAeIB6UkiEhIB0gBCoCAJMhHiAiIB4gHpSSISIgAEEEaiEAIAFBBGohASACQQRqIQIgA0EEaiEDIARBBGohBCAAIBxJDQALCyAGIB84AgAgBiAgOAIEIAYgITgCCCAGICI4AgwL8AYDFXsBfwZ9IAAgBUFwcUECdGohHAJAIAAgHE8NAANAIAD9AAQAIRcgAP0ABBAhGCAA/QAEICEZIAD9AAQwIRogByAXIAH9AAQA/eYB/eQBIQcgCyAXIAL9AAQA/eYB/eQBIQsgDyAXIAP9AAQA/eYB/eQBIQ8gEyAXIAT9AAQA/eYB/eQBIRMgCCAYIAH9AAQQ/eYB/eQBIQggDCAYIAL9AAQQ/eYB/eQBIQwgECAYIAP9AAQQ/eYB/eQBIRAgFCAYIAT9AAQQ/eYB/eQBIRQgCSAZIAH9AAQg/eYB/eQBIQkgDSAZIAL9AAQg/eYB/eQBIQ0gESAZIAP9AAQg/eYB/eQBIREgFSAZIAT9AAQg/eYB/eQBIRUgCiAaIAH9AAQw/eYB/eQBIQogDiAaIAL9AAQw/eYB/eQBIQ4gEiAaIAP9AAQw/eYB/eQBIRIgFiAaIAT9AAQw/eYB/eQBIRYgAEHAAGohACABQcAAaiEBIAJBwABqIQIgA0HAAGohAyAEQcAAaiEEIAAgHEkNAAsLIAAgBUEMcUECdGohHAJAIAAgHE8NAANAIAD9AAQAIRcgByAXIAH9AAQA/eYB/eQBIQcgCyAXIAL9AAQA/eYB/eQBIQsgDyAXIAP9AAQA/eYB/eQBIQ8gEyAXIAT9AAQA/eYB/eQBIRMgAEEQaiEAIAFBEGohASACQRBqIQIgA0EQaiEDIARBEGohBCAAIBxJDQALCyAHIAj95AEgCSAK/eQB/eQBIQcgB/0fACAH/R8BkiAH/R8CIAf9HwOSkiEfIAsgDP3kASANIA795AH95AEhCyAL/R8AIAv9HwGSIAv9HwIgC/0fA5KSISAgDyAQ/eQBIBEgEv3kAf3kASEPIA/9HwAgD/0fAZIgD/0fAiAP/R8DkpIhISATIBT95AEgFSAW/eQB/eQBIRMgE/0fACAT/R8BkiAT/R8CIBP9HwOSkiEiIAAgBUEDcUECdGohHAJAIAAgHE8NAANAIAAqAgAhHSAfIB0gASoCAJSSIR8gICAdIAIqAgCUkiEgICEgHSADKgIAlJIhISAiIB0gBCoCAJSSISIgAEEEaiEAIAFBBGohASACQQRqIQIgA0EEaiEDIARBBGohBCAAIBxJDQALCyAGIB84AgAgBiAgOAIEIAYgITgCCCAGICI4AgwLuQEBAX8gAyAEQXxxQQJ0aiEHAkAgAyAHTw0AA0AgACABIAMoAgAgAmxqIAEgAygCBCACbGogASADKAIIIAJsaiABIAMoAgwgAmxqIAYgBRAGIANBEGohAyAFQRBqIQUgAyAHSQ0ACwsgBEECcQRAIAAgASADKAIAIAJsaiABIAMoAgQgAmxqIAYgBRAEIANBCGohAyAFQQhqIQULIARBAXEEQCAFIAAgASADKAIAIAJsaiAGEAA4AgALC7kBAQF/IAMgBEF8cUECdGohBwJAIAMgB08NAANAIAAgASADKAIAIAJsaiABIAMoAgQgAmxqIAEgAygCCCACbGogASADKAIMIAJsaiAGIAUQByADQRBqIQMgBUEQaiEFIAMgB0kNAAsLIARBAnEEQCAAIAEgAygCACACbGogASADKAIEIAJsaiAGIAUQBSADQQhqIQMgBUEIaiEFCyAEQQFxBEAgBSAAIAEgAygCACACbGogBhABOAIACws=";

/**
 * A batch kernel: out[i] = kernel(query, base + slots[i] * stride) for i < n (slots: uint32 array, out:
 * float32 array); every argument is a byte address except `n` and `dim`.
 */
export type WasmBatchKernel = (
  query: number,
  base: number,
  stride: number,
  slots: number,
  n: number,
  out: number,
  dim: number,
) => void;

/** The functions the module exports; addresses are byte offsets into the memory, `dim` a float count. */
export interface DistanceWasmExports {
  l2(a: number, b: number, dim: number): number;
  ip(a: number, b: number, dim: number): number;
  l2Batch: WasmBatchKernel;
  ipBatch: WasmBatchKernel;
}

/**
 * The slice of the `WebAssembly` global used here. The project compiles against lib ES2022 without
 * DOM, which declares no `WebAssembly` types, so this module types the global itself instead of
 * changing the shared compiler settings.
 */
export interface WasmMemory {
  /** Detached and replaced by every successful `grow`. */
  readonly buffer: ArrayBuffer;
  /** Adds `deltaPages` 64 KiB pages; returns the previous size in pages; throws RangeError past the limit. */
  grow(deltaPages: number): number;
}

interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

const wasmGlobal = (globalThis as unknown as { WebAssembly?: WasmGlobal }).WebAssembly;

export const WASM_PAGE_BYTES = 65_536;
/** wasm32 addresses are 32 bits: a memory never exceeds 4 GiB. */
export const MAX_MEMORY_BYTES = 65_536 * WASM_PAGE_BYTES;
/** Candidates per batch call; `queryDistances` splits longer lists (HNSW layer 0 has at most 2M). */
export const WASM_BATCH_MAX = 64;

let compiled: object | undefined;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The embedded module bytes (a fresh copy). */
export function distanceWasmBytes(): Uint8Array {
  return decodeBase64(DISTANCE_WASM_BASE64);
}

/** True when this runtime validates the module, i.e. supports WASM SIMD (Node >= 16.4 does). */
export function isWasmSimdSupported(): boolean {
  return wasmGlobal !== undefined && wasmGlobal.validate(distanceWasmBytes());
}

function requireWasm(): WasmGlobal {
  if (wasmGlobal === undefined) {
    throw new IndexError("INVALID_PARAMETER", "this runtime has no WebAssembly: use the JS kernels");
  }
  return wasmGlobal;
}

/** A fresh linear memory of `pages` 64 KiB pages, zero-filled. */
export function createWasmMemory(pages: number): WasmMemory {
  return new (requireWasm().Memory)({ initial: pages });
}

/** Instantiates the kernels over `memory` (compiled once per process, instantiated per memory). */
export function instantiateDistanceKernels(memory: WasmMemory): DistanceWasmExports {
  const wasm = requireWasm();
  compiled ??= new wasm.Module(distanceWasmBytes());
  const instance = new wasm.Instance(compiled, { env: { memory } });
  return instance.exports as DistanceWasmExports;
}
