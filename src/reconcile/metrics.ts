import { PHASES, type Phase } from '../status/model.js';
import type { GitError } from '../errors.js';
import { RETRYABLE_PUSH_REASONS } from '../git/exec.js';
import { renderCostMetrics, type CostReport } from '../status/cost.js';

/** Bucket bounds of flare_cycle_duration_seconds. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The reconciler's counters and gauges, rendered in the Prometheus text format (0.0.4). */
export class ReconcilerMetrics {
  intents = new Map<Phase, number>();
  applies = 0;
  prunes = 0;
  commits = 0;
  pushes = 0;
  /** Pushes the remote refused (it kept moving, or a hook rejected them). */
  pushFailures = 0;
  /** Failed git operations of any kind, by the GitError reason. */
  gitFailures = new Map<string, number>();
  /** Cycles cut short because this process no longer held the leader lease. */
  leadershipLost = 0;
  cycles = 0;
  cycleFailures = 0;
  leader = false;
  /** Rendered objects held back last cycle because an object of that name is not this repo's. */
  ownershipConflicts = 0;
  /** Status files that failed signature verification (treated as absent). */
  untrustedStatus = 0;
  /** Cost per intent and tenant as of the last refresh (src/reconcile/cost-metrics.ts). */
  costs?: CostReport;
  private durations: number[] = DURATION_BUCKETS.map(() => 0);
  private durationSum = 0;
  private durationCount = 0;

  observeCycle(seconds: number): void {
    this.durationSum += seconds;
    this.durationCount++;
    DURATION_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.durations[i]!++;
    });
  }

  countGitFailure(err: GitError): void {
    const reason = err.reason ?? 'unknown';
    this.gitFailures.set(reason, (this.gitFailures.get(reason) ?? 0) + 1);
    if (reason === 'remote-rejected' || RETRYABLE_PUSH_REASONS.includes(reason)) this.pushFailures++;
  }

  setPhases(phases: readonly Phase[]): void {
    this.intents = new Map();
    for (const p of phases) this.intents.set(p, (this.intents.get(p) ?? 0) + 1);
  }

  render(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, v: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${v}`);
    };
    lines.push('# HELP flare_intents Intents by phase.', '# TYPE flare_intents gauge');
    for (const p of PHASES) lines.push(`flare_intents{phase="${p}"} ${this.intents.get(p) ?? 0}`);
    lines.push('# HELP flare_cycle_duration_seconds Duration of reconcile cycles.', '# TYPE flare_cycle_duration_seconds histogram');
    DURATION_BUCKETS.forEach((b, i) => lines.push(`flare_cycle_duration_seconds_bucket{le="${b}"} ${this.durations[i]}`));
    lines.push(`flare_cycle_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`);
    lines.push(`flare_cycle_duration_seconds_sum ${round(this.durationSum)}`, `flare_cycle_duration_seconds_count ${this.durationCount}`);
    counter('flare_cycles_total', 'Reconcile cycles run.', this.cycles);
    counter('flare_cycle_failures_total', 'Reconcile cycles that failed (retried next cycle).', this.cycleFailures);
    counter('flare_applies_total', 'Objects written by server-side apply.', this.applies);
    counter('flare_prunes_total', 'Objects deleted because they are no longer rendered.', this.prunes);
    counter('flare_commits_total', 'Status commits made.', this.commits);
    counter('flare_pushes_total', 'Status commits pushed.', this.pushes);
    counter('flare_untrusted_status_total', 'Status files ignored because their signature did not verify (unsigned, tampered or foreign).', this.untrustedStatus);
    counter('flare_push_failures_total', 'Status commits whose push the remote refused.', this.pushFailures);
    lines.push('# HELP flare_git_failures_total Failed git operations, by reason.', '# TYPE flare_git_failures_total counter');
    for (const [reason, n] of [...this.gitFailures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      lines.push(`flare_git_failures_total{reason="${reason.replace(/[^a-z0-9-]/gi, '_')}"} ${n}`);
    }
    counter('flare_leadership_lost_total', 'Cycles stopped before a write because the leader lease was lost.', this.leadershipLost);
    lines.push('# HELP flare_ownership_conflicts Rendered objects not applied: an object of that name exists without this repo\'s identity.', '# TYPE flare_ownership_conflicts gauge', `flare_ownership_conflicts ${this.ownershipConflicts}`);
    lines.push('# HELP flare_leader 1 when this reconciler holds the lease.', '# TYPE flare_leader gauge', `flare_leader ${this.leader ? 1 : 0}`);
    if (this.costs) lines.push(...renderCostMetrics(this.costs));
    return lines.join('\n') + '\n';
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
