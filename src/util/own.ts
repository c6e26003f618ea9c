/**
 * Lookups in tables keyed by user-written names (locations, objectives, tenants, field aliases).
 * A plain `table[name]` walks the prototype chain, so a name like `constructor` or `toString`
 * finds a function instead of nothing; these only see the table's own entries.
 */
export function own<T>(table: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
