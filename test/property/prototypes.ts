/**
 * Prototype-pollution check for the property tests: a fingerprint of the built-in prototypes' own
 * property names, taken before the properties run and compared after each test.
 */

import { expect } from "vitest";

const watched: [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

export function prototypeFingerprint(): Record<string, string[]> {
  return Object.fromEntries(
    watched.map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]),
  );
}

/** Fails if any watched prototype gained or lost an own property, or a fresh object inherits a stray key. */
export function expectPrototypesIntact(before: Record<string, string[]>): void {
  expect(prototypeFingerprint()).toEqual(before);
  const probe: Record<string, unknown> = {};
  for (const key of ["polluted", "isAdmin", "vector", "payload", "0"]) expect(probe[key]).toBeUndefined();
}
