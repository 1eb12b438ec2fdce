// compiler/frontend — ts-morph's values (Node, Project, ts, SyntaxKind,
// VariableDeclarationKind) for the rest of the frontend. In Node they are
// read with require(): an ESM `import` of ts-morph's CommonJS file makes Node
// scan its 950 kB for export names first, about 0.2 s of CPU in a cold
// `rnnc compile`. Elsewhere (a bundle for the browser) they come from a
// dynamic import, which the bundler resolves. Types come from ts-morph itself.

import type * as TsMorph from "ts-morph";

type Builtins = { readonly getBuiltinModule?: (id: string) => unknown };
/** node:module, where the host is Node 20.16 or later (process.getBuiltinModule). */
const nodeModule = (globalThis as { process?: Builtins }).process?.getBuiltinModule?.("node:module") as
  | typeof import("node:module")
  | undefined;

const tsMorph: typeof TsMorph = nodeModule
  ? nodeModule.createRequire(import.meta.url)("ts-morph")
  : await import("ts-morph");

export const { Node, Project, ts, SyntaxKind, VariableDeclarationKind } = tsMorph;
export type Node = TsMorph.Node;
export type Project = TsMorph.Project;
export type SyntaxKind = TsMorph.SyntaxKind;
export type VariableDeclarationKind = TsMorph.VariableDeclarationKind;
