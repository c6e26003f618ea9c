import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { parse } from 'yaml';

/**
 * `flare history`: the timeline of one intent's decisions, from the Git log of its status file
 * (the audit log the reconciler writes). Read with isomorphic-git: no git binary needed.
 */

export interface HistoryRow {
  commit: string;
  /** Committer time, ISO. */
  time: string;
  subject: string;
  /** 'deleted' when the commit removed the status file. */
  phase: string;
  provider: string;
  hourly_cost: number;
  accrued: number;
  currency: string;
  /** The status message: the reason of the phase. */
  reason: string;
  attempt?: number;
}

interface StatusSnapshot {
  phase: string;
  provider: string;
  hourly_cost: number;
  accrued: number;
  currency: string;
  reason: string;
  attempt?: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Lenient: old status files may predate today's schema; what cannot be read shows as unknown. */
function snapshotOf(text: string): StatusSnapshot {
  let doc: any;
  try {
    doc = parse(text, { maxAliasCount: 0 });
  } catch {
    return { phase: 'Unreadable', provider: '-', hourly_cost: 0, accrued: 0, currency: '', reason: 'status file is not valid YAML' };
  }
  const s = (doc && typeof doc === 'object' ? doc.status : undefined) ?? {};
  const placements: any[] = Array.isArray(s.placements) ? s.placements : [];
  const chosen = placements.map((p) => p?.chosen).filter((c) => c && typeof c === 'object');
  const providers = [...new Set(chosen.map((c) => String(c.provider ?? '?')))];
  const hourly = chosen.reduce((a, c) => a + (typeof c.hourly_cost === 'number' ? c.hourly_cost : 0), 0);
  const attempts = placements.map((p) => p?.attempt).filter((a): a is number => typeof a === 'number');
  const snap: StatusSnapshot = {
    phase: typeof s.phase === 'string' ? s.phase : 'Unknown',
    provider: providers.join(',') || '-',
    hourly_cost: round2(hourly),
    accrued: typeof s.cost?.accrued === 'number' ? s.cost.accrued : 0,
    currency: typeof s.cost?.currency === 'string' ? s.cost.currency : '',
    reason: typeof s.message === 'string' ? s.message : '',
  };
  if (attempts.length) snap.attempt = Math.max(...attempts);
  return snap;
}

interface HistoryOptions {
  /** Repo working directory (with a .git directory). */
  dir: string;
  /** Repo-relative path of the status file. */
  filepath: string;
  ref?: string;
  since?: Date;
  /** Keep at most this many newest entries. */
  limit?: number;
}

/**
 * isomorphic-git reads a plain `.git` folder. A linked worktree (`.git` is a file naming
 * `<common>/.git/worktrees/<name>`) keeps its HEAD there and everything else in the common dir:
 * read the branch from its HEAD and the log from the common dir.
 */
async function gitLocation(dir: string, ref: string | undefined): Promise<{ gitdir: string; ref: string }> {
  const dotgit = path.join(dir, '.git');
  const st = await fs.promises.stat(dotgit).catch(() => undefined);
  if (!st?.isFile()) return { gitdir: dotgit, ref: ref ?? 'HEAD' };
  const m = /^gitdir:\s*(.+)$/m.exec(await fs.promises.readFile(dotgit, 'utf8'));
  if (!m) return { gitdir: dotgit, ref: ref ?? 'HEAD' };
  const wt = path.resolve(dir, m[1]!.trim());
  const common = await fs.promises.readFile(path.join(wt, 'commondir'), 'utf8').then((c) => path.resolve(wt, c.trim())).catch(() => wt);
  if (ref !== undefined) return { gitdir: common, ref };
  const head = (await fs.promises.readFile(path.join(wt, 'HEAD'), 'utf8')).trim();
  return { gitdir: common, ref: head.startsWith('ref: ') ? head.slice(5) : head };
}

/** Oldest first. A commit that leaves the file's content unchanged is not a decision and is skipped. */
export async function statusHistory(o: HistoryOptions): Promise<HistoryRow[]> {
  const loc = await gitLocation(o.dir, o.ref);
  const commits = await git.log({ fs, dir: o.dir, gitdir: loc.gitdir, ref: loc.ref, filepath: o.filepath, force: true });
  const rows: HistoryRow[] = [];
  let lastOid: string | undefined;
  for (const c of [...commits].reverse()) {
    let text: string | undefined;
    let oid: string | undefined;
    try {
      const blob = await git.readBlob({ fs, dir: o.dir, gitdir: loc.gitdir, oid: c.oid, filepath: o.filepath });
      oid = blob.oid;
      text = Buffer.from(blob.blob).toString('utf8');
    } catch {
      text = undefined;
    }
    if (oid !== undefined && oid === lastOid) continue;
    lastOid = oid;
    const snap: StatusSnapshot = text === undefined ? { phase: 'deleted', provider: '-', hourly_cost: 0, accrued: 0, currency: '', reason: 'status file removed' } : snapshotOf(text);
    rows.push({
      commit: c.oid.slice(0, 7),
      time: new Date(c.commit.committer.timestamp * 1000).toISOString(),
      subject: c.commit.message.split('\n')[0] ?? '',
      ...snap,
    });
  }
  // filtered here, not by git.log's `since`: that stops the walk before the first change after the date
  const kept = o.since ? rows.filter((r) => Date.parse(r.time) >= o.since!.getTime()) : rows;
  return o.limit !== undefined ? kept.slice(-o.limit) : kept;
}
