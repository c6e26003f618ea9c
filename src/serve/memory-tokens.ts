import type { TokenBackend, TokenRecord } from './tokens.js';

/**
 * Token hashes kept in memory only: for `flare demo --ui`, whose tokens must not outlive the
 * process (nothing is written to ~/.flare).
 */
export function memoryTokenBackend(): TokenBackend {
  let records: TokenRecord[] = [];
  return {
    kind: 'memory',
    async load() {
      return records.map((r) => ({ ...r }));
    },
    async save(next) {
      records = next.map((r) => ({ ...r }));
    },
  };
}
