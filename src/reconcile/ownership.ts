import path from 'node:path';
import type { KubeObject } from '../k8s/object.js';
import { LABEL_INTENT } from '../k8s/names.js';
import { shortHash } from '../util/hash.js';
import { canonicalize } from '../k8s/serialize.js';
import { HISTORY_LIMIT, type IntentStatus } from '../status/model.js';
import type { Intent } from '../intent/model.js';

/** Label on every object a reconciler applies: the hash of the repo URL and branch that own it. */
export const LABEL_REPO = 'flare.io/repo';
/** Annotations with the readable owner (URL without credentials, branch). */
const ANNOTATION_REPO_URL = 'flare.io/repo-url';
const ANNOTATION_REPO_BRANCH = 'flare.io/repo-branch';

/**
 * Which repo owns an object. Objects of other repos on the same cluster (and hand-made ones) do
 * not carry this repo's `id`, and the reconciler never patches, adopts or deletes them.
 */
export interface RepoIdentity {
  /** Label value: a short hash of `url#branch`. */
  id: string;
  /** Normalized URL without credentials (`file://<abs path>` for a local repository). */
  url: string;
  branch: string;
}

/**
 * `https://user:pw@Git.Example.com/org/repo.git/` and `https://git.example.com/org/repo` are one
 * repo: credentials, case of scheme and host, a trailing slash and `.git` do not change identity.
 */
export function normalizeRepoUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // scp-like `git@host:org/repo.git` or a path
    const scp = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(url);
    if (scp && !/^[a-zA-Z]:[\\/]/.test(url)) return `ssh://${scp[1]!.toLowerCase()}/${trimRepoPath(scp[2]!)}`;
    return `file://${trimRepoPath(path.resolve(url))}`;
  }
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  u.pathname = trimRepoPath(u.pathname);
  return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}`;
}

function trimRepoPath(p: string): string {
  return p.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

export function repoIdentity(src: { url: string; branch?: string } | { path: string; branch?: string }): RepoIdentity {
  const url = 'url' in src ? normalizeRepoUrl(src.url) : `file://${trimRepoPath(path.resolve(src.path))}`;
  const branch = src.branch ?? 'main';
  return { id: shortHash(`${url}#${branch}`, 16), url, branch };
}

/** A copy of `o` carrying the repo's label and annotations (render stays repo-agnostic). */
export function stampIdentity(o: KubeObject, id: RepoIdentity): KubeObject {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: { ...(o.metadata.labels ?? {}), [LABEL_REPO]: id.id },
      annotations: { ...(o.metadata.annotations ?? {}), [ANNOTATION_REPO_URL]: id.url, [ANNOTATION_REPO_BRANCH]: id.branch },
    },
  };
}

export function ownedBy(o: KubeObject | undefined, id: RepoIdentity): boolean {
  return o?.metadata.labels?.[LABEL_REPO] === id.id;
}

/** Owned by this repo and labelled for this intent: the only objects an intent may delete or restart. */
export function ownedForIntent(o: KubeObject | undefined, id: RepoIdentity, intentId: string): boolean {
  return ownedBy(o, id) && o!.metadata.labels?.[LABEL_INTENT] === intentId;
}

export function repoSelector(id: RepoIdentity): string {
  return `${LABEL_REPO}=${id.id}`;
}

/** What a located error says about an object of that name this repo does not own. */
export function conflictMessage(o: KubeObject, id: RepoIdentity): string {
  const where = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  return (
    `${o.kind} ${where}${o.metadata.name} exists and is not managed by this repo (no label ${LABEL_REPO}=${id.id}); ` +
    `FLARE does not take it over, change or delete it: rename or remove it, or label it ${LABEL_REPO}=${id.id} to hand it to this repo`
  );
}

/**
 * The status of an intent some of whose objects are held back by ownership conflicts: the message
 * says which (the located error), and the history records it once. Returns `previous` itself when
 * nothing changed against it, so a steady conflict commits nothing.
 */
export function withConflicts(status: IntentStatus, previous: IntentStatus | undefined, messages: readonly string[], now: Date): IntentStatus {
  const message = `blocked: ${messages.join('; ')}`;
  if (status.message === message) return status;
  const s: IntentStatus = { ...status, message };
  if (previous?.message !== message) s.history = [...status.history, { time: now.toISOString(), phase: status.phase, message }].slice(-HISTORY_LIMIT);
  const canon = (x: IntentStatus): string => JSON.stringify(canonicalize(x));
  return previous && canon(s) === canon(previous) ? previous : s;
}

/** An object not created because one of that name exists without this repo's identity. */
export interface OwnershipConflict {
  key: string;
  intentId?: string;
  tenant?: string;
  message: string;
}

/** Conflict messages by intent id: an intent's own, and those of its tenant's objects. */
export function conflictsByIntent(report: { conflicts: readonly OwnershipConflict[] }, intents: readonly Intent[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of report.conflicts) {
    for (const i of intents) {
      if (c.intentId !== undefined ? c.intentId !== i.id : c.tenant !== i.tenant) continue;
      out.set(i.id, [...(out.get(i.id) ?? []), c.message]);
    }
  }
  return out;
}
