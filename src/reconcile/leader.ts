import type { Cluster } from '../cluster/types.js';
import { ClusterError } from '../errors.js';
import type { KubeObject, ObjectRef } from '../k8s/object.js';
import { dnsLabel } from '../k8s/names.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease holds without renewal. */
  leaseSeconds: number;
}

export interface LeaseState {
  holder?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
  transitions: number;
  resourceVersion?: string;
}

const LEASE_API = 'coordination.k8s.io/v1';

function leaseRef(o: LeaderElectionOptions): ObjectRef {
  return { apiVersion: LEASE_API, kind: 'Lease', namespace: o.namespace, name: o.name };
}

/** Lease timestamps are MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function leaseState(o: KubeObject | undefined): LeaseState | undefined {
  if (!o) return undefined;
  const s: LeaseState = { transitions: typeof o.spec?.leaseTransitions === 'number' ? o.spec.leaseTransitions : 0 };
  if (typeof o.spec?.holderIdentity === 'string') s.holder = o.spec.holderIdentity;
  if (typeof o.spec?.renewTime === 'string') s.renewTime = o.spec.renewTime;
  if (typeof o.spec?.leaseDurationSeconds === 'number') s.leaseDurationSeconds = o.spec.leaseDurationSeconds;
  if (o.metadata.resourceVersion) s.resourceVersion = o.metadata.resourceVersion;
  return s;
}

/** Pure: is the lease free for `identity` at `now`? */
export function leaseFree(s: LeaseState, identity: string, now: Date, defaultSeconds: number): boolean {
  if (!s.holder || s.holder === identity) return true;
  if (!s.renewTime) return true;
  const until = Date.parse(s.renewTime) + (s.leaseDurationSeconds ?? defaultSeconds) * 1000;
  return Number.isNaN(until) || now.getTime() > until;
}

function isConflict(err: unknown): boolean {
  return err instanceof ClusterError && (err.status === 409 || err.kind === 'conflict');
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
 * `renewTime`; another candidate takes over only once the lease has expired. Every write carries
 * the resourceVersion it read (or, for the first create, a per-identity apply manager that
 * conflicts with the holder's), so two candidates can never both win.
 */
export class LeaderElector {
  private leader = false;
  constructor(
    private readonly cluster: Cluster,
    private readonly opts: LeaderElectionOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  isLeader(): boolean {
    return this.leader;
  }

  /** One acquire-or-renew step; returns whether this identity leads afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    try {
      this.leader = await this.step();
    } catch (err) {
      // a conflict means another candidate wrote first; anything else: not sure, so not leading
      if (!isConflict(err)) throw err;
      this.leader = false;
    }
    return this.leader;
  }

  private async step(): Promise<boolean> {
    const { identity, leaseSeconds } = this.opts;
    const ref = leaseRef(this.opts);
    const now = this.now();
    const live = await this.cluster.get(ref);
    const s = leaseState(live);
    if (!s) {
      await this.cluster.apply(
        {
          apiVersion: LEASE_API,
          kind: 'Lease',
          metadata: { name: ref.name, namespace: ref.namespace! },
          spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        },
        { fieldManager: dnsLabel(['flare-leader', identity]), force: false },
      );
      return true;
    }
    if (!leaseFree(s, identity, now, leaseSeconds)) return false;
    // Our own lease, renewed less than a third of its duration ago: nothing to write, so a no-op
    // cycle stays a zero-write cycle (the renewal timer runs every third of the duration).
    if (s.holder === identity && s.renewTime && now.getTime() - Date.parse(s.renewTime) < (leaseSeconds * 1000) / 3) return true;
    const spec: Record<string, unknown> = { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) };
    if (s.holder !== identity) {
      spec.acquireTime = microTime(now);
      spec.leaseTransitions = s.transitions + 1;
    }
    const patch: Record<string, unknown> = { spec };
    if (s.resourceVersion) patch.metadata = { resourceVersion: s.resourceVersion };
    await this.cluster.patch(ref, patch, { fieldManager: dnsLabel(['flare-leader', identity]) });
    return true;
  }

  /** Gives the lease up (on a clean stop) so a standby takes over without waiting for expiry. */
  async release(): Promise<void> {
    if (!this.leader) return;
    this.leader = false;
    const ref = leaseRef(this.opts);
    const s = leaseState(await this.cluster.get(ref));
    if (!s || s.holder !== this.opts.identity) return;
    const patch: Record<string, unknown> = { spec: { holderIdentity: null, renewTime: null } };
    if (s.resourceVersion) patch.metadata = { resourceVersion: s.resourceVersion };
    await this.cluster.patch(ref, patch).catch(() => undefined);
  }
}
