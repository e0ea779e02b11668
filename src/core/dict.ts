// Objects keyed by data (CONFIG_DB keys, addresses, switch names) are made without a prototype,
// which V8 keeps as a hash table from the first key. Built key by key in V8's fast mode, an
// object whose keys differ from every other object's gets a new hidden class for each key: about
// 3 µs a key, against 0.15 µs here — seconds at 1,000 switches, where a spine renders thousands of
// such keys. (No prototype also means no `__proto__` key can reach Object.prototype.)

/** An empty object for keys that come from data. */
export function dict<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}

/** `Object.fromEntries`, into such an object. */
export function dictOf<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  const o = dict<V>();
  for (const [k, v] of entries) o[k] = v;
  return o;
}
