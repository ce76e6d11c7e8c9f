/**
 * Option parsers shared by the benchmark CLIs (commander). Contract: each returns the parsed value or
 * throws commander's `InvalidArgumentError`, which commander prints as a usage error.
 */

import { InvalidArgumentError } from "commander";

/** Parses "a,b,c" into names, each of which must be one of `allowed`. */
export function choiceList<T extends string>(allowed: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const unknown = items.filter((item) => !allowed.includes(item as T));
    if (items.length === 0 || unknown.length > 0) {
      throw new InvalidArgumentError(`expected a comma-separated list of ${allowed.join(", ")}`);
    }
    return items as T[];
  };
}

/** Parses one positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** Parses "16,32,64" into positive integers. */
export function positiveIntList(value: string): number[] {
  return value.split(",").map((s) => positiveInt(s.trim()));
}
