// apps/import — a reader of zip archives, enough for torch.save's
// files (stored entries, 64-byte aligned), Keras' .keras files (stored) and any zip
// tool's (deflated entries, zip64 for large files). In: the file's bytes. Out: its
// entries by name, each read on demand and checked against its CRC-32, so a
// damaged archive is an error rather than wrong weights.

import { inflateRawSync } from "node:zlib";
import { crc32 } from "../../runtime/index.js";
import { ImportError } from "./errors.js";

export interface ZipArchive {
  readonly names: readonly string[];
  read(name: string): Uint8Array;
}

interface Entry {
  readonly method: number;
  readonly crc: number;
  readonly compressed: number;
  readonly size: number;
  readonly localHeader: number;
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function readZip(bytes: Uint8Array, file: string): ZipArchive {
  const bad = (why: string) => new ImportError(`${file}: not a readable zip archive: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad("a zip64 field is too large");
    return Number(v);
  };
  const inFile = (at: number, length: number) => {
    if (at < 0 || length < 0 || at + length > bytes.length) throw bad("a record runs past the end of the file");
  };
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      end = at;
      break;
    }
  }
  if (end < 0) throw bad("no end-of-central-directory record");
  let count = u16(end + 10);
  let directory = u32(end + 16);
  if (count === 0xffff || directory === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || u32(locator) !== 0x07064b50) throw bad("a zip64 archive without its locator");
    const record = u64(locator + 8);
    inFile(record, 56);
    if (u32(record) !== 0x06064b50) throw bad("a broken zip64 end record");
    count = u64(record + 32);
    directory = u64(record + 48);
  }
  const entries = new Map<string, Entry>();
  let at = directory;
  for (let i = 0; i < count; i++) {
    inFile(at, 46);
    if (u32(at) !== 0x02014b50) throw bad(`central directory entry ${i} is damaged`);
    const [nameLength, extraLength, commentLength] = [u16(at + 28), u16(at + 30), u16(at + 32)];
    inFile(at + 46, nameLength + extraLength + commentLength);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    let [compressed, size, localHeader] = [u32(at + 20), u32(at + 24), u32(at + 42)];
    // Zip64: the fields that overflowed are in the extra field 0x0001, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength; e += 4 + u16(e + 2)) {
      if (u16(e) !== 0x0001) continue;
      let field = e + 4;
      if (size === 0xffffffff) ((size = u64(field)), (field += 8));
      if (compressed === 0xffffffff) ((compressed = u64(field)), (field += 8));
      if (localHeader === 0xffffffff) localHeader = u64(field);
    }
    entries.set(name, { method: u16(at + 10), crc: u32(at + 16), compressed, size, localHeader });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return {
    names: [...entries.keys()],
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (!entry) throw new ImportError(`${file}: the archive has no entry ${name}`);
      const h = entry.localHeader;
      inFile(h, 30);
      if (u32(h) !== 0x04034b50) throw bad(`the local header of ${name} is damaged`);
      const start = h + 30 + u16(h + 26) + u16(h + 28);
      inFile(start, entry.compressed);
      const raw = bytes.subarray(start, start + entry.compressed);
      let data: Uint8Array;
      if (entry.method === 0) data = raw;
      else if (entry.method === 8) {
        try {
          data = new Uint8Array(inflateRawSync(raw));
        } catch (e) {
          throw bad(`${name} does not inflate: ${(e as Error).message}`);
        }
      } else throw bad(`${name} is compressed with method ${entry.method}; rnnc reads stored and deflated entries`);
      if (data.length !== entry.size) throw bad(`${name} holds ${data.length} bytes, its header says ${entry.size}`);
      if (crc32(data) !== entry.crc) throw bad(`${name} fails its CRC-32 check: the file is damaged`);
      return data;
    },
  };
}
