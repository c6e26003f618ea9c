import type { KubeObject, ObjectRef } from '../k8s/object.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/**
 * The small cluster interface the reconciler, `flare annotate` and `flare resources` depend on.
 * Implementations: the @kubernetes/client-node adapter (a real cluster or the sandbox over HTTP)
 * and a dry-run recorder. Errors surface as ClusterError (src/errors.ts).
 */
export interface Cluster {
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, opts?: ListOptions): Promise<KubeObject[]>;
  /** Server-side apply (application/apply-patch+yaml). */
  apply(obj: KubeObject, opts: ApplyOptions): Promise<KubeObject>;
  /** Merge patch on the object (or on its /status subresource). */
  patch(ref: ObjectRef, patch: unknown, opts?: { subresource?: 'status'; fieldManager?: string }): Promise<KubeObject>;
  /** true when something was deleted, false when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Starts a watch; events arrive until the returned stop function is called. */
  watch(
    apiVersion: string,
    kind: string,
    opts: ListOptions,
    onEvent: (e: WatchEvent) => void,
    onError?: (err: unknown) => void,
  ): Promise<() => void>;
}
