import type { FlareConfig } from '../config/model.js';
import type { Intent } from '../intent/model.js';
import type { KubeObject } from '../k8s/object.js';
import type { RepoModel } from '../repo/model.js';
import type { IntentStatus } from '../status/model.js';
import type { Observed } from './observe.js';
import { doubtStatus, placementEvidence, rebuildStatus } from './rebuild.js';

/**
 * The statuses the cycle starts from: those read from Git, except where doubtStatus() finds the
 * file missing, broken or contradicted by the live objects: those are rebuilt from the cluster
 * (observed once, only then) or, with nothing live, dropped so the intent starts afresh.
 */
export async function trustedStatuses(a: {
  intents: readonly Intent[];
  model: RepoModel;
  statusFiles: ReadonlyMap<string, string>;
  /** Repo-relative path of an intent's status file. */
  fileOf: (intent: Intent) => string;
  live: readonly KubeObject[];
  config: FlareConfig;
  now: Date;
  log: (line: string) => void;
  observe: () => Promise<Observed>;
}): Promise<Map<string, IntentStatus>> {
  const out = new Map(a.model.statuses);
  const evidence = placementEvidence(a.live);
  const doubts: { intent: Intent; reason: string }[] = [];
  for (const intent of a.intents) {
    const file = a.fileOf(intent);
    const reason = doubtStatus(intent, a.statusFiles.get(file), a.model.statuses.get(intent.id), evidence.get(intent.id) ?? []);
    if (reason) doubts.push({ intent, reason });
  }
  if (doubts.length === 0) return out;
  const observed = await a.observe();
  for (const { intent, reason } of doubts) {
    const args: Parameters<typeof rebuildStatus>[0] = { intent, config: a.config, observed, now: a.now, reason };
    const prev = a.model.statuses.get(intent.id);
    if (prev) args.previous = prev;
    const s = rebuildStatus(args);
    a.log(`status: ${a.fileOf(intent)}: ${reason}; ${s ? `${s.phase}, rebuilt from the cluster` : 'nothing live, placed afresh'}`);
    if (s) out.set(intent.id, s);
    else out.delete(intent.id);
  }
  return out;
}
