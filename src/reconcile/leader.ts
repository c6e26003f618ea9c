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

interface LeaseState {
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
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function leaseState(o: KubeObject | undefined): LeaseState | undefined {
  if (!o) return undefined;
  const s: LeaseState = { transitions: typeof o.spec?.leaseTransitions === 'number' ? o.spec.leaseTransitions : 0 };
  if (typeof o.spec?.holderIdentity === 'string') s.holder = o.spec.holderIdentity;
  if (typeof o.spec?.renewTime === 'string') s.renewTime = o.spec.renewTime;
  if (typeof o.spec?.leaseDurationSeconds === 'number') s.leaseDurationSeconds = o.spec.leaseDurationSeconds;
  if (o.metadata.resourceVersion) s.resourceVersion = o.metadata.resourceVersion;
  return s;
}

/** What a candidate last saw of the lease record, and when by its own clock. */
interface LeaseObservation {
  /** holder, renewTime and resourceVersion: any change of them is a sign of life of the holder. */
  record: string;
  /** Local clock (ms) when `record` was first seen in this form. */
  at: number;
}

function leaseRecord(s: LeaseState): string {
  return `${s.holder ?? ''}|${s.renewTime ?? ''}|${s.resourceVersion ?? ''}`;
}

/**
 * Pure: is the lease free for `identity` at local time `nowMs`? As client-go does it, expiry is
 * measured from when this process last saw the record change, never by comparing the holder's
 * `renewTime` with our own clock: clocks of two machines may disagree by more than a lease.
 */
export function leaseFree(s: LeaseState, identity: string, observed: LeaseObservation | undefined, nowMs: number, defaultSeconds: number): boolean {
  if (!s.holder || s.holder === identity) return true;
  if (!observed || observed.record !== leaseRecord(s)) return false;
  return nowMs - observed.at > (s.leaseDurationSeconds ?? defaultSeconds) * 1000;
}

/** Pure: the next observation after reading `s` at `nowMs`. */
export function observeLease(prev: LeaseObservation | undefined, s: LeaseState, nowMs: number): LeaseObservation {
  const record = leaseRecord(s);
  return prev && prev.record === record ? prev : { record, at: nowMs };
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
  private observed: LeaseObservation | undefined;
  /** Local clock (ms) of this holder's last successful write or confirmation of its lease. */
  private renewedAt = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly cluster: Cluster,
    private readonly opts: LeaderElectionOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Leading means: we hold the lease and renewed it less than a renew deadline (two thirds of the
   * lease) ago by our own clock. Past that another candidate may already have taken over, so a
   * holder that could not renew stops acting before anyone else may start.
   */
  isLeader(): boolean {
    if (!this.leader) return false;
    if (this.now().getTime() - this.renewedAt >= this.renewDeadlineMs()) {
      this.leader = false;
    }
    return this.leader;
  }

  private renewDeadlineMs(): number {
    return (this.opts.leaseSeconds * 1000 * 2) / 3;
  }

  /** One acquire-or-renew step; returns whether this identity leads afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    try {
      this.leader = await this.step();
    } catch (err) {
      // a conflict means another candidate wrote first; anything else: not sure, so keep what
      // we had until the renew deadline passes (isLeader) and let the caller log it
      if (!isConflict(err)) throw err;
      this.leader = false;
    }
    return this.isLeader();
  }

  private async step(): Promise<boolean> {
    const { identity, leaseSeconds } = this.opts;
    const ref = leaseRef(this.opts);
    const now = this.now();
    const live = await this.cluster.get(ref);
    const s = leaseState(live);
    if (s) this.observed = observeLease(this.observed, s, now.getTime());
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
      this.renewedAt = now.getTime();
      return true;
    }
    if (!leaseFree(s, identity, this.observed, now.getTime(), leaseSeconds)) return false;
    // Our own lease, renewed less than a third of its duration ago: nothing to write, so a no-op
    // cycle stays a zero-write cycle (the renewal timer runs every third of the duration).
    if (s.holder === identity && this.leader && now.getTime() - this.renewedAt < (leaseSeconds * 1000) / 3) return true;
    const spec: Record<string, unknown> = { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, renewTime: microTime(now) };
    if (s.holder !== identity) {
      spec.acquireTime = microTime(now);
      spec.leaseTransitions = s.transitions + 1;
    }
    const patch: Record<string, unknown> = { spec };
    if (s.resourceVersion) patch.metadata = { resourceVersion: s.resourceVersion };
    await this.cluster.patch(ref, patch, { fieldManager: dnsLabel(['flare-leader', identity]) });
    this.renewedAt = now.getTime();
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
