import { createHash, randomBytes } from 'node:crypto';
import type { Cluster } from '../cluster/types.js';
import type { RepoModel } from '../repo/model.js';
import type { IntentStatus } from '../status/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { ValidationError } from '../errors.js';
import { findSymlinks } from '../files/symlinks.js';
import { intentId } from '../k8s/names.js';
import { extractSignature } from '../status/signature-text.js';
import { makeKeyring, MIN_KEY_BYTES, verifyStatus, type Keyring, type Verdict } from '../status/signature.js';

/** Where the reconciler keeps its status-signing keys: a Secret in its own namespace. */
export interface SecretRef {
  namespace: string;
  name: string;
}

export const DEFAULT_SIGNING_SECRET: SecretRef = { namespace: 'default', name: 'flare-status-key' };
const FIELD_MANAGER = 'flare-signing';

class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

function keyringOf(secret: { data?: Record<string, string> } | undefined): Keyring | undefined {
  const data = secret?.data ?? {};
  return makeKeyring(Object.entries(data).map(([k, v]): [string, Buffer] => [k, Buffer.from(String(v), 'base64')]));
}

/**
 * The signing keys, read from the Secret on every cycle so an admin's rotation takes effect
 * without a restart. Absent (or holding no usable `key-<id>` entry): a new random key is added
 * with server-side apply, which merges with a key another replica added at the same time; the
 * Secret is read back and the greatest id signs, so replicas converge on one signing key.
 */
export async function loadSigningKeys(
  cluster: Cluster,
  ref: SecretRef,
  now: () => Date,
  random: (n: number) => Buffer = randomBytes,
): Promise<{ keyring: Keyring; created: boolean }> {
  const ask = { apiVersion: 'v1', kind: 'Secret', namespace: ref.namespace, name: ref.name };
  const have = keyringOf((await cluster.get(ask)) as { data?: Record<string, string> } | undefined);
  if (have) return { keyring: have, created: false };
  const id = `key-${now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
  await cluster.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/part-of': 'flare', 'app.kubernetes.io/component': 'status-signing' } },
      type: 'Opaque',
      data: { [id]: random(MIN_KEY_BYTES).toString('base64') },
    } as never,
    { fieldManager: FIELD_MANAGER },
  );
  const back = keyringOf((await cluster.get(ask)) as { data?: Record<string, string> } | undefined);
  if (!back) throw new SigningKeyError(`Secret ${ref.namespace}/${ref.name} holds no key-<id> entry of at least ${MIN_KEY_BYTES} bytes after creating one`);
  return { keyring: back, created: true };
}

const MAX_CACHED = 50_000;
const verifiedCache = new Map<string, string>();
const fingerprints = new WeakMap<Keyring, string>();

/** Identifies the key material: a cache entry verified under other keys is not reused. */
function fingerprint(k: Keyring): string {
  let f = fingerprints.get(k);
  if (f === undefined) {
    const h = createHash('sha256');
    for (const id of [...k.keys.keys()].sort()) h.update(`${id}\0`).update(k.keys.get(id)!).update('\0');
    f = h.digest('hex');
    fingerprints.set(k, f);
  }
  return f;
}

function remember(key: string, fp: string): void {
  if (verifiedCache.size >= MAX_CACHED) verifiedCache.clear();
  verifiedCache.set(key, fp);
}

export interface UntrustedStatus {
  file: string;
  id: string;
  verdict: Exclude<Verdict, 'valid'> | 'duplicate';
}

const WHY: Record<UntrustedStatus['verdict'], string> = {
  unsigned: 'is not signed',
  'unknown-key': 'is signed with a key this reconciler does not hold',
  mismatch: 'does not match its signature (edited after signing, or copied from another intent)',
  duplicate: 'has a sibling file for the same intent',
};

export function describeUntrusted(u: UntrustedStatus): string {
  return `${u.file}: status ${WHY[u.verdict]}; treated as absent (stage A only) and replaced by a signed status in the next commit`;
}

/**
 * Drops from `model.statuses` every status that does not verify against `keyring`, so nothing
 * past stage A is rendered, applied or reserved from it; the caller writes a fresh signed status
 * in its place. `adoptUnsigned` (a one-time migration of a repo written by an older FLARE) trusts
 * unsigned files, never tampered or foreign ones. Mutates `model.statuses`; returns what it dropped.
 */
export function dropUntrustedStatuses(
  model: RepoModel,
  statusFiles: ReadonlyMap<string, string>,
  keyring: Keyring,
  opts: { adoptUnsigned?: boolean } = {},
): UntrustedStatus[] {
  const filesById = new Map<string, string[]>();
  for (const p of statusFiles.keys()) {
    const parts = p.split('/');
    if (parts.length !== 3) continue;
    const id = intentId(parts[1]!, parts[2]!.replace(/\.(ya?ml|json)$/, ''));
    filesById.set(id, [...(filesById.get(id) ?? []), p]);
  }
  const out: UntrustedStatus[] = [];
  for (const intent of model.intents) {
    const s = model.statuses.get(intent.id);
    if (!s) continue;
    const files = filesById.get(intent.id) ?? [];
    let verdict: UntrustedStatus['verdict'] | 'valid';
    if (files.length !== 1) verdict = 'duplicate';
    else {
      const text = statusFiles.get(files[0]!)!;
      // the same file text parses to the same status: verified once per keyring, not every cycle
      const ck = `${files[0]}\0${text}`;
      const fp = fingerprint(keyring);
      if (verifiedCache.get(ck) === fp) verdict = 'valid';
      else {
        verdict = verifyStatus(s, intent.id, extractSignature(text), keyring);
        if (verdict === 'valid') remember(ck, fp);
      }
      if (verdict === 'unsigned' && opts.adoptUnsigned) verdict = 'valid';
    }
    if (verdict === 'valid') continue;
    model.statuses.delete(intent.id);
    out.push({ file: files.sort().join(', ') || `status/${intent.tenant}/${intent.name}.yaml`, id: intent.id, verdict });
  }
  return out;
}

/** One status file of intent `id`, parsed as `s`: does it verify (or, migrating, is it merely unsigned)? */
export function statusFileTrusted(keyring: Keyring, s: IntentStatus, id: string, text: string, adoptUnsigned = false): boolean {
  const verdict = verifyStatus(s, id, extractSignature(text), keyring);
  return verdict === 'valid' || (verdict === 'unsigned' && adoptUnsigned);
}

/**
 * Symbolic links the loader refused (it reads nothing through them). One under
 * intents/<tenant>/ only protects that tenant (its intents are neither applied, pruned nor
 * deleted, see protectedTenants); any other (flare.yaml, tenants/, status/, a root folder, or
 * rendered/, which the cycle writes) stops the cycle before anything is applied or pruned.
 */
export function refuseSymlinks(dir: string, diagnostics: readonly Diagnostic[]): void {
  const blocking = diagnostics.filter((d) => d.code === 'symlink' && !/^intents\/[^/]+\/./.test(d.file));
  blocking.push(...findSymlinks(dir, ['rendered']).diagnostics);
  if (blocking.length === 0) return;
  throw new ValidationError(blocking, `symbolic links in the repository: ${blocking.map((d) => d.file).join(', ')}; nothing applied, pruned or committed until they are replaced by files`);
}
