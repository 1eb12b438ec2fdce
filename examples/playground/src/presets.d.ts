// playground — the example cell files, read at bundle time (build.js makes
// this module from examples/*.ts): the editor's presets, and the files a model
// may import, since a browser has no file system to read them from.
declare module "rnnc-playground:presets" {
  export interface Preset {
    /** Its path in the repository, e.g. "examples/gru.ts": the file name diagnostics use. */
    readonly file: string;
    readonly text: string;
  }
  export const presets: readonly Preset[];
}
