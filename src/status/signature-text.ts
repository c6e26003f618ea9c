import type { StatusSignature } from './signature.js';

const BLOCK_RE = /^signature:[ \t]*\r?\n((?:[ \t]+\S.*(?:\r?\n|$))+)/m;
const KEY_RE = /^[ \t]+key_id:[ \t]*["']?([A-Za-z0-9._-]+)["']?[ \t]*$/m;
const MAC_RE = /^[ \t]+hmac_sha256:[ \t]*["']?([0-9a-f]{64})["']?[ \t]*$/m;

/**
 * The top-level `signature:` block of a status file's text, as the reconciler writes it. Reading
 * it from the text (not the parsed model) keeps the repo parser unchanged; it is safe because the
 * MAC is checked against the parsed status the renderer would use, so a signature found in an odd
 * place can only verify content the key holder signed for this intent.
 */
export function extractSignature(text: string): StatusSignature | undefined {
  const block = BLOCK_RE.exec(text)?.[1];
  if (!block) return undefined;
  const key = KEY_RE.exec(block)?.[1];
  const mac = MAC_RE.exec(block)?.[1];
  return key && mac ? { key_id: key, hmac_sha256: mac } : undefined;
}
