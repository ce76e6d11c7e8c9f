/**
 * Assembles `src/index/distance-wasm.wat` with wabt (a devDependency) into the bytes that
 * `src/index/distance-wasm.ts` embeds as base64, so nothing is compiled at run time.
 *
 * Contract: `assembleDistanceWat()` returns the exact module bytes for the current WAT (no debug
 * names, so the output depends on the code only). Run as a script:
 *   npx tsx bench/distance/assemble.ts          prints the base64 and whether the embedded copy matches
 *   npx tsx bench/distance/assemble.ts --write  rewrites the embedded base64 in distance-wasm.ts
 */

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const WAT_PATH = fileURLToPath(new URL("../../src/index/distance-wasm.wat", import.meta.url));
const TS_PATH = fileURLToPath(new URL("../../src/index/distance-wasm.ts", import.meta.url));

/** The line in distance-wasm.ts that holds the embedded module; `--write` replaces its string. */
const EMBED_LINE = /^(export const DISTANCE_WASM_BASE64 =\s*)"[A-Za-z0-9+/=]*";$/m;

/** Assembles the WAT source with the SIMD feature on; throws wabt's message when the text is invalid. */
export async function assembleDistanceWat(): Promise<Uint8Array> {
  const { default: initWabt } = await import("wabt");
  const wabt = await initWabt();
  const module = wabt.parseWat("distance-wasm.wat", readFileSync(WAT_PATH, "utf8"), { simd: true });
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

/** Base64 of a byte array, the form embedded in the TS module. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

async function main(): Promise<void> {
  const encoded = toBase64(await assembleDistanceWat());
  const source = readFileSync(TS_PATH, "utf8");
  const embedded = EMBED_LINE.exec(source);
  if (embedded === null) throw new Error(`no DISTANCE_WASM_BASE64 line found in ${TS_PATH}`);
  const current = embedded[0].slice(embedded[1].length + 1, -2);
  if (process.argv.includes("--write")) {
    writeFileSync(TS_PATH, source.replace(EMBED_LINE, `$1"${encoded}";`));
    console.log(`wrote ${encoded.length} base64 characters into ${TS_PATH}`);
    return;
  }
  console.log(encoded);
  console.log(current === encoded ? "embedded copy matches" : "embedded copy DIFFERS: run with --write");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
