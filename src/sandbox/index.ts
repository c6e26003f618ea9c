import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ObjectStore } from './api/store.js';
import { startApiServer, type ApiServer, type ApiServerStats } from './api/server.js';
import { writeKubeconfig } from './api/kubeconfig.js';
import { seededRandom, type Faults as ApiFaults } from './api/faults.js';
import type { StoreStats } from './api/store.js';
import type { FluidosIdentity } from '../config/model.js';
import { defaultFederation } from './federation/default.js';
import { readFederation, type Federation } from './federation/model.js';
import { FederationSimulator, type SimulatorStats } from './federation/simulator.js';

export type { Federation, FederationProvider, FederationNode } from './federation/model.js';
export { parseFederation, readFederation, normalizeFederation } from './federation/model.js';
export { defaultFederation, DEFAULT_FEDERATION_DOC } from './federation/default.js';
export { FederationSimulator } from './federation/simulator.js';

export interface SandboxOptions {
  /** A federation, a path to a federation YAML file, or the default federation when absent. */
  federation?: Federation | string;
  /** API server port; 0 (default) picks a free one. */
  port?: number;
  /** Where to write the kubeconfig; a fresh temp dir (removed on close) when absent. */
  kubeconfigPath?: string;
  /** Delay between observable controller steps, ms (default 20). */
  stepDelayMs?: number;
  /** Simulated Job run time, ms (default 1000). */
  jobDurationMs?: number;
  consumer?: FluidosIdentity;
  /** Reconcile errors (retried with backoff); silent by default. */
  onError?: (key: string, err: unknown) => void;
  /** Seed of the sandbox's randomness (object uids, generated names); default 1. */
  seed?: number;
  /** The sandbox's time: object timestamps, the simulator's status times, Job durations, table ages (default: the wall clock). */
  clock?: () => Date;
}

export interface SandboxFaults {
  /** Provider outage: its Flavors go unavailable, its virtual nodes NotReady, its Allocations Inactive, pods on them fail. */
  providerDown(provider: string): void;
  /** The provider's Flavors are offered again; allocations lost during the outage stay lost. */
  providerUp(provider: string): void;
  /** Contention: the next `count` Reservations on this provider/flavor (any when omitted) are refused. */
  refuseReservations(count: number, target?: { provider?: string; flavor?: string }): void;
  /** The provider has no room left on its virtual nodes: new pods stay Pending (Unschedulable, Insufficient GPU); `false` frees it. */
  providerFull(provider: string, full?: boolean): void;
  /** API server faults (500, 429, slow requests, dropped watches); `{}` clears them. */
  api(faults: ApiFaults): void;
  /** Clears every fault: providers up, no refusals, no API faults. */
  clear(): void;
}

export interface SandboxStats {
  simulator: SimulatorStats;
  store: StoreStats;
  server: ApiServerStats;
}

export interface SandboxHandle {
  url: string;
  /** Bearer token of the API server (also in the kubeconfig). */
  token: string;
  kubeconfigPath: string;
  store: ObjectStore;
  federation: Federation;
  simulator: FederationSimulator;
  server: ApiServer;
  faults: SandboxFaults;
  stats(): SandboxStats;
  close(): Promise<void>;
}

/**
 * Starts the whole sandbox: the in-process Kubernetes API server, the simulated FLUIDOS
 * federation (provider Nodes and Flavors) and the FLUIDOS/Liqo/workload controllers, and writes
 * a kubeconfig for kubectl and @kubernetes/client-node.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const federation =
    opts.federation === undefined ? defaultFederation() : typeof opts.federation === 'string' ? readFederation(opts.federation) : opts.federation;
  // uids and generated names repeat from run to run, like everything else the sandbox decides
  const store = new ObjectStore({ random: seededRandom(opts.seed ?? 1), ...(opts.clock ? { clock: opts.clock } : {}) });
  const simOpts: ConstructorParameters<typeof FederationSimulator>[2] = {};
  if (opts.stepDelayMs !== undefined) simOpts.stepDelayMs = opts.stepDelayMs;
  if (opts.jobDurationMs !== undefined) simOpts.jobDurationMs = opts.jobDurationMs;
  if (opts.consumer) simOpts.consumer = opts.consumer;
  if (opts.onError) simOpts.onError = opts.onError;
  // the simulator reads time from the store's clock: one source for everything the sandbox stamps
  const simulator = new FederationSimulator(store, federation, simOpts);
  simulator.start();
  let server: ApiServer;
  try {
    server = await startApiServer({ store, port: opts.port ?? 0 });
  } catch (err) {
    simulator.close();
    throw err;
  }
  let tempDir: string | undefined;
  let kubeconfigPath = opts.kubeconfigPath;
  try {
    if (!kubeconfigPath) {
      tempDir = await mkdtemp(join(tmpdir(), 'flare-sandbox-'));
      kubeconfigPath = join(tempDir, 'kubeconfig');
    } else await mkdir(dirname(kubeconfigPath), { recursive: true });
    await writeKubeconfig(kubeconfigPath, server.url, { token: server.token });
  } catch (err) {
    simulator.close();
    await server.close();
    throw err;
  }
  let closed = false;
  const faults: SandboxFaults = {
    providerDown: (p) => simulator.providerDown(p),
    providerFull: (p, full) => simulator.providerFull(p, full),
    providerUp: (p) => simulator.providerUp(p),
    refuseReservations: (count, target) => simulator.refuseReservations(count, target),
    api: (f) => server.setFaults(f),
    clear: () => {
      simulator.clearFaults();
      server.setFaults({});
    },
  };
  return {
    url: server.url,
    token: server.token,
    kubeconfigPath,
    store,
    federation,
    simulator,
    server,
    faults,
    stats: () => ({ simulator: simulator.stats(), store: store.stats(), server: server.stats() }),
    close: async () => {
      if (closed) return;
      closed = true;
      simulator.close();
      await server.close();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
