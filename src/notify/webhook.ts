import { createHmac } from 'node:crypto';
import type { NotifyEventName, WebhookConfig } from '../config/model.js';

/**
 * Phase-change notifications in Flux's generic event shape (notification-controller's `generic`
 * and `generic-hmac` providers), so receivers written for Flux work unchanged. Pure parts:
 * diffing cycle results into events, building and signing bodies. The sender (Notifier) is the
 * only I/O and never blocks the reconcile cycle.
 */

export interface FluxEvent {
  involvedObject: { apiVersion: string; kind: string; namespace: string; name: string };
  severity: 'info' | 'error';
  timestamp: string;
  message: string;
  reason: string;
  metadata: Record<string, string>;
  reportingController: string;
}

/** What a cycle says of one intent (CycleResult.intents). */
export interface IntentSeen {
  id: string;
  tenant: string;
  name: string;
  phase: string;
  message?: string;
  provider?: string;
}

const ERROR_REASONS = new Set(['NoMatch', 'Failed', 'Invalid', 'Failover']);
const NOTABLE = new Set(['Running', 'Completed', 'NoMatch', 'Failed', 'Invalid']);
const ACTIVE = new Set(['Reserving', 'Allocating', 'Deploying', 'Running']);

interface PhaseChange {
  event: NotifyEventName;
  intent: IntentSeen;
  previous?: { phase: string; provider?: string };
}

/**
 * The notable changes between what was last seen and this cycle. A phase entered (Running,
 * Completed, NoMatch, Failed, Invalid) is one event; a provider change of a placed intent is a
 * failover. `changed` limits the diff on the first cycle after a start, when nothing was seen
 * yet: only intents whose status this cycle changed can have entered a phase now.
 */
export function phaseChanges(seen: ReadonlyMap<string, { phase: string; provider?: string }>, intents: readonly IntentSeen[], changed: readonly string[]): PhaseChange[] {
  const out: PhaseChange[] = [];
  const changedSet = new Set(changed);
  for (const i of [...intents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const prev = seen.get(i.id);
    if (!prev && !changedSet.has(i.id)) continue;
    const base = prev ? { previous: { phase: prev.phase, ...(prev.provider ? { provider: prev.provider } : {}) } } : {};
    if (prev?.provider && i.provider && prev.provider !== i.provider && ACTIVE.has(i.phase)) {
      out.push({ event: 'failover', intent: i, ...base });
    }
    if (NOTABLE.has(i.phase) && prev?.phase !== i.phase) out.push({ event: i.phase as NotifyEventName, intent: i, ...base });
  }
  return out;
}

export function fluxEvent(c: PhaseChange, ctx: { now: Date; revision?: string; currency?: string }): FluxEvent {
  const i = c.intent;
  const reason = c.event === 'failover' ? 'Failover' : c.event;
  const metadata: Record<string, string> = { intent: i.id, tenant: i.tenant, phase: i.phase };
  if (i.provider) metadata.provider = i.provider;
  if (c.previous) {
    metadata.previousPhase = c.previous.phase;
    if (c.previous.provider) metadata.previousProvider = c.previous.provider;
  }
  if (ctx.revision) metadata.revision = ctx.revision;
  const what =
    c.event === 'failover'
      ? `${i.id} failed over from ${c.previous?.provider ?? '?'} to ${i.provider ?? '?'}`
      : `${i.id} ${i.phase}${i.provider ? ` on ${i.provider}` : ''}`;
  return {
    involvedObject: { apiVersion: 'flare.fluidos.eu/v1alpha1', kind: 'Intent', namespace: i.tenant, name: i.name },
    severity: ERROR_REASONS.has(reason) ? 'error' : 'info',
    timestamp: ctx.now.toISOString(),
    message: i.message ? `${what}: ${i.message}` : what,
    reason,
    metadata,
    reportingController: 'flare-reconciler',
  };
}

/** `sha256=<hex HMAC-SHA256 of the body>`, as Flux's generic-hmac provider sends it. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function wants(hook: WebhookConfig, e: NotifyEventName): boolean {
  return hook.events === undefined || hook.events.includes(e);
}
