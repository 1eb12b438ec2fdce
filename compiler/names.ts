// compiler — records keyed by names a user chose (dimensions, layer
// renamings). In: entries. Out: objects without a prototype, read by own key,
// so that "__proto__", "constructor" or "valueOf" are names like any other
// instead of reaching Object.prototype (a dimension named valueOf once bound
// to a function and compiled to a module with null shapes).

export type NameRecord<V> = Record<string, V>;

export function nameRecord<V>(entries: Iterable<readonly [string, V]> = []): NameRecord<V> {
  const record = Object.create(null) as NameRecord<V>;
  for (const [key, value] of entries) record[key] = value;
  return record;
}

/** The record's own value for `key`; undefined for anything it only inherits. */
export function own<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
