// compiler/lower — binaryen.js as the compiler uses it: the default export is
// the API, loaded once when this module is first evaluated, from wherever
// binaryen-source.ts says (the package's own module unless a host provided
// another loader first).

import { loadBinaryen } from "./binaryen-source.js";

const binaryen = await loadBinaryen();
export default binaryen;
