import type { FluidosIdentity } from '../../config/model.js';
import type { KubeObject, ObjectRef } from '../../k8s/object.js';
import type { Usage } from './flavors.js';
import type { FederationProvider } from './model.js';
import type { StoreView } from './view.js';

// What the simulated controllers (FLUIDOS, Liqo, kube workloads, pod faults) reach of the simulator
// that runs them. They take this instead of the simulator's class so that they need not import
// the module that imports them.

/** Capacity a reservation holds of a Flavor, keyed by `<namespace>/<reservation>`. */
export interface Holding {
  flavor: string;
  provider: string;
  usage: Usage;
  /** `<namespace>/<contract>` once purchased. */
  contract?: string;
}

export interface SimulatorHost {
  readonly view: StoreView;
  readonly jobDurationMs: number;
  readonly consumer: FluidosIdentity;
  readonly consumerClusterId: string;
  readonly providers: Map<string, FederationProvider>;
  readonly providersByLiqo: Map<string, FederationProvider>;
  readonly holdings: Map<string, Holding>;
  /** Providers taken down by a fault. */
  readonly down: Set<string>;
  /** Providers with no room left on their virtual nodes. */
  readonly full: Set<string>;
  readonly counters: { accepted: number; refused: number };
  syncFlavorByName(flavor: string): void;
  providerOfFlavor(flavor: KubeObject): FederationProvider | undefined;
  deleteQuietly(ref: ObjectRef): boolean;
  takeRefusal(provider: string, flavor: string): boolean;
  now(): string;
  /** The sandbox clock in epoch milliseconds (durations and expirations). */
  nowMs(): number;
}
