// compiler/lower — where the compiler's binaryen.js comes from. By default
// the package's own module; a host that loads the same package another way
// (the CLI, through V8's code cache: compiler/cli/binaryen-cache.ts) says so
// here before anything imports binaryen.ts. In: the loader. Out: the loader
// binaryen.ts calls once, when it is first evaluated.

import type Binaryen from "binaryen";

export type BinaryenApi = typeof Binaryen;

let loader: (() => Promise<BinaryenApi>) | undefined;

/** Makes `load` the source of binaryen.js; it runs only if the compiler's lowering is loaded at all. */
export function provideBinaryen(load: () => Promise<BinaryenApi>): void {
  loader = load;
}

/** binaryen.js from the provided loader, else the package's own module. */
export function loadBinaryen(): Promise<BinaryenApi> {
  return loader ? loader() : import("binaryen").then((m) => m.default);
}
