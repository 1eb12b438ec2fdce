// apps/import/keras — the part of jsfive (a pure-JavaScript HDF5 reader, no
// types of its own) that hdf5.ts uses: groups, their links and attributes, and
// datasets with their shape, element type and values.

declare module "jsfive" {
  export class Group {
    readonly name: string;
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    get(path: string): Group | Dataset | null;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
  export class Dataset {
    readonly name: string;
    readonly shape: number[];
    /** A numpy-style type string ("<f4", ">f8", "<i8"), or a description of a compound or string type. */
    readonly dtype: unknown;
    readonly value: unknown;
  }
}
