/**
 * CRC-32C: the standard check values, and independence from how the stream is split.
 */

import { describe, expect, it } from "vitest";
import { Crc32c, crc32c } from "../../src/index/crc32.js";
import { SeededRandom } from "../../src/index/random.js";

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("crc32c", () => {
  it("matches the published CRC-32C check values", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // RFC 3720 (iSCSI) appendix B.4: 32 bytes of zeros and 32 bytes of 0xff.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it("gives the same value however the bytes are split into updates", () => {
    const rng = new SeededRandom(5);
    const bytes = Uint8Array.from({ length: 5000 }, () => rng.nextInt(256));
    const whole = crc32c(bytes);
    for (let trial = 0; trial < 20; trial++) {
      const crc = new Crc32c();
      let at = 0;
      while (at < bytes.length) {
        const n = rng.nextInt(40);
        crc.update(bytes.subarray(at, at + n));
        at += n;
      }
      expect(crc.value).toBe(whole);
    }
  });

  it("changes when any single bit changes", () => {
    const bytes = ascii("vecstream snapshot header");
    const base = crc32c(bytes);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      expect(crc32c(flipped)).not.toBe(base);
    }
  });
});
