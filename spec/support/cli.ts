// spec/support — running the `rnnc` command in-process for the CLI specs
// (main(argv, io) with both streams captured, files on disk) and reading back
// the SVG it writes with an independent XML parser (@xmldom/xmldom), which
// throws on anything that is not well-formed.

import { DOMParser } from "@xmldom/xmldom";
import { readFileSync, writeFileSync } from "node:fs";
import { expect } from "vitest";
import { main } from "../../compiler/cli/main.js";
import type { Io } from "../../compiler/cli/io.js";

/** A stack frame: what a user must never see for a mistake of theirs. */
export const stackFrame = /^\s+at /m;

export function rnnc(...argv: string[]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const io: Io = {
    out: (text) => void (out += `${text}\n`),
    err: (text) => void (err += `${text}\n`),
    readText: (path) => readFileSync(path, "utf8"),
    readBytes: (path) => new Uint8Array(readFileSync(path)),
    write: (path, data) => writeFileSync(path, data),
  };
  return { code: main(argv, io), out, err };
}

export function parseSvg(path: string): Document {
  const doc = new DOMParser().parseFromString(readFileSync(path, "utf8"), "image/svg+xml");
  expect(doc.documentElement?.tagName).toBe("svg");
  return doc as unknown as Document;
}

export const byClass = (doc: Document, tag: string, cls: string): Element[] =>
  Array.from(doc.getElementsByTagName(tag)).filter((e) => e.getAttribute("class") === cls);

/** The points of a path: its M and L commands. */
export const vertices = (path: Element): number => (path.getAttribute("d")!.match(/[ML]/g) ?? []).length;
