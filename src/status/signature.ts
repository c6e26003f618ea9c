import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntentStatus } from './model.js';

const DOMAIN = 'flare-status-v1';

/** The `signature` block of a status file. */
export interface StatusSignature {
  /** Id of the key that signed (an entry of the signing Secret). */
  key_id: string;
  /** Lowercase hex HMAC-SHA256. */
  hmac_sha256: string;
}

interface SigningKey {
  id: string;
  secret: Buffer;
}

/** Keys accepted for verification; `signing` (the newest) signs. */
export interface Keyring {
  keys: ReadonlyMap<string, Buffer>;
  signing: SigningKey;
}

/** Secret data entries `key-<id>`; ids sort by age, the greatest signs. */
const KEY_ENTRY_RE = /^key-[A-Za-z0-9._-]{1,200}$/;
export const MIN_KEY_BYTES = 32;

export function makeKeyring(entries: Iterable<[string, Buffer]>): Keyring | undefined {
  const keys = new Map<string, Buffer>();
  for (const [id, secret] of entries) if (KEY_ENTRY_RE.test(id) && secret.length >= MIN_KEY_BYTES) keys.set(id, secret);
  if (keys.size === 0) return undefined;
  const newest = [...keys.keys()].sort().at(-1)!;
  return { keys, signing: { id: newest, secret: keys.get(newest)! } };
}

/** JSON with keys sorted at every level and undefined dropped: one byte string per value. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** What is MACed: domain, intent id and spec hash on their own lines, then the canonical status. */
function message(intentId: string, s: IntentStatus): string {
  return `${DOMAIN}\n${intentId}\n${s.spec_hash}\n${canonicalJson(s)}`;
}

function hmac(secret: Buffer, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export function signStatus(s: IntentStatus, keyring: Keyring): StatusSignature {
  return { key_id: keyring.signing.id, hmac_sha256: hmac(keyring.signing.secret, message(s.intent_id, s)) };
}

export type Verdict = 'valid' | 'unsigned' | 'unknown-key' | 'mismatch';

/**
 * Checks a status read from `status/<tenant>/<name>.yaml` against the id that file maps to:
 * a signature copied from another intent's file, or over edited content, does not verify.
 */
export function verifyStatus(s: IntentStatus, intentId: string, sig: StatusSignature | undefined, keyring: Keyring): Verdict {
  if (!sig) return 'unsigned';
  const key = keyring.keys.get(sig.key_id);
  if (!key) return 'unknown-key';
  if (s.intent_id !== intentId || !/^[0-9a-f]{64}$/.test(sig.hmac_sha256)) return 'mismatch';
  const want = Buffer.from(hmac(key, message(intentId, s)), 'hex');
  return timingSafeEqual(want, Buffer.from(sig.hmac_sha256, 'hex')) ? 'valid' : 'mismatch';
}
