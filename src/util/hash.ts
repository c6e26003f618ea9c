import { createHash } from 'node:crypto';

/** Short stable hex digest, for name suffixes and content fingerprints. */
export function shortHash(input: string, length = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}
