import type { KubeObject, ObjectRef } from '../../k8s/object.js';
import type { DeleteOptions, ObjectStore, PatchType, StoreApplyOptions, StoreList, StoreListOptions, WriteOptions } from '../api/store.js';

/**
 * The store as the simulated controllers use it: the same calls, counted and validated the same
 * way, but reads hand out the stored objects themselves and writes return them uncopied. The
 * store never changes a stored object in place (every write stores a new one), so this is safe
 * for callers that only read what they get, which the controllers do. Writes take the objects
 * handed to them without a copy: the controllers build each one for that call and drop it. At 1,000 Solvers the
 * copies were most of the sandbox's time: a Discovery's candidate list holds every candidate's
 * interested Solver ids.
 */
export interface StoreView {
  get(ref: ObjectRef): KubeObject | undefined;
  list(apiVersion: string, kind: string, opts?: StoreListOptions): StoreList;
  create(obj: KubeObject, opts?: WriteOptions): KubeObject;
  patch(ref: ObjectRef, patch: unknown, type?: PatchType, opts?: WriteOptions): KubeObject;
  patchStatus(ref: ObjectRef, status: unknown, opts?: Omit<WriteOptions, 'subresource'>): KubeObject;
  apply(obj: KubeObject, opts: StoreApplyOptions): KubeObject;
  delete(ref: ObjectRef, opts?: DeleteOptions): KubeObject;
}

export function sharedView(store: ObjectStore): StoreView {
  return {
    get: (ref) => store.peek(ref),
    list: (apiVersion, kind, opts = {}) => store.peekList(apiVersion, kind, opts),
    create: (obj, opts = {}) => store.createRaw(obj, opts, true),
    patch: (ref, patch, type = 'merge', opts = {}) => store.patchRaw(ref, patch, type, opts, true),
    patchStatus: (ref, status, opts = {}) => store.patchRaw(ref, { status }, 'merge', { ...opts, subresource: 'status' }, true),
    apply: (obj, opts) => store.applyRaw(obj, opts, true),
    delete: (ref, opts = {}) => store.deleteRaw(ref, opts),
  };
}
