// apps/import/torch — a restricted unpickler for torch.save's data.pkl. It
// rebuilds only what a state_dict is made of — dicts (OrderedDict too),
// lists, tuples, strings, numbers, and tensors over storages — and runs
// nothing: a pickle names the callables it wants (GLOBAL), and any name outside
// the short list below is refused with that name before anything is built.
// In: the pickle's bytes. Out: the value it describes, as plain data.

import { ImportError } from "../errors.js";

/** The element types of torch's storage classes (torch.FloatStorage, ...). */
export const storageTypes = {
  FloatStorage: "f32",
  DoubleStorage: "f64",
  HalfStorage: "f16",
  BFloat16Storage: "bf16",
  LongStorage: "i64",
  IntStorage: "i32",
  ShortStorage: "i16",
  CharStorage: "i8",
  ByteStorage: "u8",
  BoolStorage: "bool",
} as const;
export type StorageType = (typeof storageTypes)[keyof typeof storageTypes];

/** The only globals a pickle may name: the callables that rebuild a state_dict, and storage classes. */
const callables = [
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
] as const;
type Callable = (typeof callables)[number];

export interface PyTuple {
  readonly kind: "tuple";
  readonly items: readonly PyValue[];
}
export interface PyList {
  readonly kind: "list";
  readonly items: PyValue[];
}
export interface PyDict {
  readonly kind: "dict";
  readonly entries: [PyValue, PyValue][];
}
export interface PyCallable {
  readonly kind: "callable";
  readonly name: Callable;
}
export interface PyStorageClass {
  readonly kind: "storageClass";
  readonly dtype: StorageType;
  readonly name: string;
}
export interface PyStorage {
  readonly kind: "storage";
  readonly dtype: StorageType;
  readonly key: string;
  readonly numel: number;
}
export interface PyTensor {
  readonly kind: "tensor";
  readonly storage: PyStorage;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}
export type PyValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PyTuple
  | PyList
  | PyDict
  | PyCallable
  | PyStorageClass
  | PyStorage
  | PyTensor;

const MARK = Symbol("mark");
type Slot = PyValue | typeof MARK;

const opNames: Record<number, string> = {
  0x63: "GLOBAL",
  0x93: "STACK_GLOBAL",
  0x52: "REDUCE",
  0x62: "BUILD",
  0x69: "INST",
  0x6f: "OBJ",
  0x81: "NEWOBJ",
  0x92: "NEWOBJ_EX",
  0x50: "PERSID",
  0x82: "EXT1",
  0x83: "EXT2",
  0x84: "EXT4",
};

export function unpickle(bytes: Uint8Array, file: string): PyValue {
  const fail = (why: string): never => {
    throw new ImportError(`${file}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) fail("the pickle ends in the middle of an instruction (the file is truncated)");
  };
  const u8 = () => (need(1), bytes[at++]!);
  const u16 = () => (need(2), (at += 2), view.getUint16(at - 2, true));
  const u32 = () => (need(4), (at += 4), view.getUint32(at - 4, true));
  const i32 = () => (need(4), (at += 4), view.getInt32(at - 4, true));
  const take = (n: number) => (need(n), bytes.subarray((at += n) - n, at));
  const utf8 = (n: number) => new TextDecoder("utf-8", { fatal: true }).decode(take(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) fail("the pickle ends in the middle of a GLOBAL");
    const text = new TextDecoder().decode(bytes.subarray(at, end));
    at = end + 1;
    return text;
  };

  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) fail("the pickle pops an empty stack (it is damaged)");
    return v as PyValue;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail("the pickle reads an empty stack (it is damaged)");
    return v as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail("the pickle closes a MARK it never opened (it is damaged)");
    return stack.splice(m!).slice(1) as PyValue[];
  };
  const global = (module: string, name: string): PyValue => {
    const full = `${module}.${name}`;
    if ((callables as readonly string[]).includes(full)) return { kind: "callable", name: full as Callable };
    if (module === "torch" && Object.hasOwn(storageTypes, name)) {
      return { kind: "storageClass", dtype: storageTypes[name as keyof typeof storageTypes], name };
    }
    return fail(
      `refused: the pickle asks for the Python global ${full}, which a state_dict of tensors never needs, ` +
        "and rnnc never runs code from a file. Save the weights alone: torch.save(model.state_dict(), path)",
    );
  };
  const intOf = (v: PyValue, what: string): number =>
    typeof v === "number" && Number.isSafeInteger(v) ? v : fail(`${what} is not an integer`);
  const tupleOf = (v: PyValue, what: string): readonly PyValue[] =>
    typeof v === "object" && v !== null && "kind" in v && v.kind === "tuple" ? v.items : fail(`${what} is not a tuple`);

  const reduce = (fn: PyValue, args: readonly PyValue[]): PyValue => {
    if (typeof fn !== "object" || fn === null || !("kind" in fn) || fn.kind !== "callable")
      return fail("the pickle calls something that is not a callable");
    if (fn.name === "collections.OrderedDict") {
      if (args.length !== 0) fail("OrderedDict is rebuilt with arguments; a state_dict's never has any");
      return { kind: "dict", entries: [] };
    }
    if (fn.name === "torch._utils._rebuild_parameter") {
      const data = args[0];
      if (typeof data !== "object" || data === null || !("kind" in data) || data.kind !== "tensor")
        return fail("a Parameter is rebuilt from something that is not a tensor");
      return data;
    }
    const [storage, offset, size, stride] = args;
    if (typeof storage !== "object" || storage === null || !("kind" in storage) || storage.kind !== "storage")
      return fail("a tensor is rebuilt from something that is not a storage");
    const dims = tupleOf(size!, "a tensor's size").map((d) => intOf(d, "a tensor's size"));
    const steps = tupleOf(stride!, "a tensor's stride").map((d) => intOf(d, "a tensor's stride"));
    if (dims.length !== steps.length) fail("a tensor's size and stride differ in length");
    return { kind: "tensor", storage, offset: intOf(offset!, "a tensor's storage offset"), size: dims, stride: steps };
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        take(8);
        break; // FRAME
      case 0x2e: {
        // STOP
        if (stack.length !== 1) fail("the pickle stops with a malformed stack (it is damaged)");
        return pop();
      }
      case 0x28:
        marks.push(stack.length);
        stack.push(MARK);
        break; // MARK
      case 0x29:
        stack.push({ kind: "tuple", items: [] });
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push({ kind: "tuple", items: popMark() });
        break; // TUPLE
      case 0x85:
        stack.push({ kind: "tuple", items: [pop()] });
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        stack.push({ kind: "tuple", items: [pop(), b] });
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push({ kind: "tuple", items: [pop(), b, c] });
        break;
      } // TUPLE3
      case 0x5d:
        stack.push({ kind: "list", items: [] });
        break; // EMPTY_LIST
      case 0x6c:
        stack.push({ kind: "list", items: popMark() });
        break; // LIST
      case 0x61: {
        const v = pop();
        listOf(top()).push(v);
        break;
      } // APPEND
      case 0x65: {
        const vs = popMark();
        listOf(top()).push(...vs);
        break;
      } // APPENDS
      case 0x7d:
        stack.push({ kind: "dict", entries: [] });
        break; // EMPTY_DICT
      case 0x64:
        stack.push({ kind: "dict", entries: pairs(popMark()) });
        break; // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        dictOf(top()).push([k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const vs = popMark();
        dictOf(top()).push(...pairs(vs));
        break;
      } // SETITEMS
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(long(take(u8())));
        break; // LONG1
      case 0x47:
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break; // BINFLOAT (big-endian)
      case 0x58:
        stack.push(utf8(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(utf8(u8()));
        break; // SHORT_BINUNICODE
      case 0x43:
        stack.push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(take(u32()).slice());
        break; // BINBYTES
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
        stack.push(recall(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(recall(u32()));
        break; // LONG_BINGET
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x63: {
        const module = line();
        stack.push(global(module, line()));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== "string" || typeof name !== "string")
          fail("STACK_GLOBAL names a global with something that is not a string");
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: {
        const args = tupleOf(pop(), "the arguments of a call");
        stack.push(reduce(pop(), args));
        break;
      } // REDUCE
      case 0x62: {
        // BUILD: an OrderedDict's attributes (a state_dict's _metadata); nothing else has state here
        pop();
        const target = top();
        if (typeof target !== "object" || target === null || !("kind" in target) || target.kind !== "dict")
          fail("the pickle sets the state of an object that is not a dict");
        break;
      }
      case 0x51:
        stack.push(persistent(pop()));
        break; // BINPERSID
      default:
        return fail(
          `refused: the pickle uses opcode ${opNames[op] ?? `0x${op.toString(16).padStart(2, "0")}`} at byte ` +
            `${at - 1}, ` +
            "which a state_dict of tensors never needs (rnnc reads only the opcodes that rebuild dicts, lists and " +
            "tensors)",
        );
    }
  }

  function listOf(v: PyValue): PyValue[] {
    return typeof v === "object" && v !== null && "kind" in v && v.kind === "list"
      ? v.items
      : fail("the pickle appends to something that is not a list");
  }
  function dictOf(v: PyValue): [PyValue, PyValue][] {
    return typeof v === "object" && v !== null && "kind" in v && v.kind === "dict"
      ? v.entries
      : fail("the pickle sets an item of something that is not a dict");
  }
  function pairs(vs: PyValue[]): [PyValue, PyValue][] {
    if (vs.length % 2 !== 0) fail("the pickle sets a key without a value");
    const out: [PyValue, PyValue][] = [];
    for (let i = 0; i < vs.length; i += 2) out.push([vs[i]!, vs[i + 1]!]);
    return out;
  }
  function recall(key: number): PyValue {
    const v = memo.get(key);
    return v === undefined ? fail(`the pickle reads memo ${key} before writing it (it is damaged)`) : v;
  }
  function long(b: Uint8Array): number {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b.length > 0 && b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
      fail("the pickle holds an integer too large for a size");
    return Number(v);
  }
  /** torch.save's persistent ids: ("storage", storage class, key, location, numel). */
  function persistent(pid: PyValue): PyStorage {
    const items = tupleOf(pid, "a persistent id");
    const [tag, cls, key, , numel] = items;
    if (tag !== "storage" || items.length !== 5)
      return fail("the pickle refers to an outside object that is not a tensor storage");
    if (typeof cls !== "object" || cls === null || !("kind" in cls) || cls.kind !== "storageClass")
      return fail("a storage's type is not a torch storage class");
    if (typeof key !== "string") return fail("a storage's key is not a string");
    return { kind: "storage", dtype: cls.dtype, key, numel: intOf(numel!, "a storage's size") };
  }
}
