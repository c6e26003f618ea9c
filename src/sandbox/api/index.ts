export { ObjectStore } from './store.js';
export type { StoreEvent, StoreList, StoreListOptions, StoreStats, StoreApplyOptions, StoreWatchOptions, WriteOptions, DeleteOptions, PatchType } from './store.js';
export { startApiServer } from './server.js';
export type { ApiServer, ApiServerOptions, ApiServerStats } from './server.js';
export { writeKubeconfig, renderKubeconfig } from './kubeconfig.js';
export { ApiError } from './errors.js';
export { DEFAULT_KINDS, KindTable } from './kinds.js';
export type { KindInfo } from './kinds.js';
export type { Faults } from './faults.js';
