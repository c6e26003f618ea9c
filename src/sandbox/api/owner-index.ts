import type { KubeObject } from '../../k8s/object.js';

/** Dependents of each owner uid (metadata.ownerReferences), for cascading deletes. */
export class OwnerIndex<E extends { obj: KubeObject }> {
  private readonly byOwner = new Map<string, Set<E>>();

  add(entry: E): void {
    for (const uid of ownerUids(entry.obj)) {
      let s = this.byOwner.get(uid);
      if (!s) this.byOwner.set(uid, (s = new Set()));
      s.add(entry);
    }
  }

  remove(entry: E): void {
    for (const uid of ownerUids(entry.obj)) {
      const s = this.byOwner.get(uid);
      s?.delete(entry);
      if (s && s.size === 0) this.byOwner.delete(uid);
    }
  }

  dependents(uid: string): E[] {
    return [...(this.byOwner.get(uid) ?? [])];
  }
}

function ownerUids(o: KubeObject): string[] {
  const refs = o.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  const out: string[] = [];
  for (const r of refs) {
    const uid = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as { uid?: unknown }).uid : undefined;
    if (typeof uid === 'string') out.push(uid);
  }
  return out;
}
