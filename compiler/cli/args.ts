// compiler/cli — parsing of flags shared by the commands: --dims, --dtype,
// capacities. Malformed values are UsageErrors (exit 2) naming the flag.

import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
import { UsageError } from "./io.js";
import { nameRecord } from "../names.js";

type Parsed<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

export function parse<O extends OptionsConfig>(argv: readonly string[], options: O, usage: string): Parsed<O> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true as const, strict: true as const });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
}

export function parseDims(text: string | undefined): Record<string, number> {
  const dims = nameRecord<number>();
  if (!text) return dims;
  for (const part of text.split(",").filter((p) => p.trim() !== "")) {
    const match = /^\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(\d+)\s*$/.exec(part);
    if (!match || Number(match[2]) < 1)
      throw new UsageError(`--dims: expected NAME=POSITIVE_INTEGER, got "${part}" (example: --dims I=64,H=128)`);
    if (Object.hasOwn(dims, match[1]!)) throw new UsageError(`--dims: ${match[1]} is given twice`);
    dims[match[1]!] = Number(match[2]);
  }
  return dims;
}

export function parseChoice<T extends string>(
  flag: string,
  value: string | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T))
    throw new UsageError(`--${flag}: expected one of ${choices.join(", ")}, got "${value}"`);
  return value as T;
}

export function parsePositive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag}: expected a positive integer, got "${value}"`);
  return n;
}

export function parseNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive number, got "${value}"`);
  return n;
}

export function onePositional(positionals: readonly string[], what: string, usage: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}\n\n${usage}`);
  return positionals[0]!;
}
