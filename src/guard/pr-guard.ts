import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import { parseConfig } from '../config/parse.js';
import { IoError, UsageError } from '../errors.js';
import { runGit } from '../git/exec.js';
import { parseCommitTrailers } from '../git/message.js';

/**
 * `flare validate --base <ref>`: the pull-request guard. status/ is the reconciler's, rendered/
 * is `flare render`'s; a change between the base and the working tree that touches status/ (other
 * than through the reconciler's own commits) or makes rendered/ differ from what render produces
 * is an error naming the file. The guard is a review aid in CI: git authorship can be forged, so
 * the reconciler's status signatures remain what actually enforces the boundary.
 */

interface GuardInput {
  /** The FLARE repo folder (may be a subfolder of the git work tree). */
  repoDir: string;
  base: string;
  /** `flare render` of the working tree, keyed by path under rendered/; undefined when it does not render. */
  rendered: ReadonlyMap<string, string> | undefined;
}

interface GuardResult {
  /** The commit the change is measured from: merge-base of the base and HEAD. */
  from: string;
  /** Repo-relative files changed between `from` and the working tree under status/ and rendered/. */
  changed: string[];
  /** Commits in from..HEAD recognised as the reconciler's. */
  reconcilerCommits: string[];
  diagnostics: Diagnostic[];
}

const SEP = '\x1f';
const REC = '\x1e';

async function git(args: string[], cwd: string, okCodes: number[] = []): Promise<{ stdout: string; code: number }> {
  const r = await runGit(args, { cwd, timeoutMs: 60_000, okCodes });
  return { stdout: r.stdout, code: r.code };
}

function diag(file: string, code: string, message: string, hint: string): Diagnostic {
  return { severity: 'error', file, line: 0, column: 0, path: '', code, message, hint };
}

function zList(s: string): string[] {
  return s.split('\0').filter(Boolean);
}

export async function prGuard(input: GuardInput): Promise<GuardResult> {
  const dir = path.resolve(input.repoDir);
  const top = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir, okCodes: [128] }).catch((err) => {
    throw new IoError(dir, 'cannot run git', { cause: err });
  });
  if (top.code !== 0) throw new UsageError(`--base needs a git work tree; ${dir} is not in one`);
  const root = top.stdout.trim();
  const prefix = path.relative(root, dir).split(path.sep).join('/');
  const pre = prefix ? `${prefix}/` : '';
  const toRepo = (p: string): string | undefined => (p.startsWith(pre) ? p.slice(pre.length) : undefined);

  const base = await git(['rev-parse', '--verify', '--quiet', `${input.base}^{commit}`], root, [1, 128]);
  if (base.code !== 0) throw new UsageError(`--base: ${JSON.stringify(input.base)} is not a commit here (fetch it first, e.g. git fetch origin main)`);
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], root, [1, 128]);
  let from = base.stdout.trim();
  if (head.code === 0) {
    const mb = await git(['merge-base', from, 'HEAD'], root, [1]);
    if (mb.code === 0 && mb.stdout.trim()) from = mb.stdout.trim();
  }

  const scopes = [`${pre}status`, `${pre}rendered`];
  const changed = new Set<string>();
  // tracked files: `from` against the working tree (committed, staged and unstaged changes)
  for (const p of zList((await git(['diff', '--name-only', '-z', '--no-renames', from, '--', ...scopes], root)).stdout)) {
    const r = toRepo(p);
    if (r) changed.add(r);
  }
  // files not yet committed since HEAD: nobody but a human (or a tool in CI) wrote them
  const uncommitted = new Set<string>();
  for (const p of zList((await git(['ls-files', '--others', '--exclude-standard', '-z', '--', ...scopes], root)).stdout)) {
    const r = toRepo(p);
    if (r) {
      changed.add(r);
      uncommitted.add(r);
    }
  }
  if (head.code === 0) {
    for (const p of zList((await git(['diff', '--name-only', '-z', '--no-renames', 'HEAD', '--', ...scopes], root)).stdout)) {
      const r = toRepo(p);
      if (r) uncommitted.add(r);
    }
  }

  // who last wrote each status file since `from`: the reconciler (its author in the base's
  // flare.yaml, and its Flare-Intent trailer) or someone else
  const cfgText = await git(['show', `${from}:${pre}flare.yaml`], root, [128]);
  const author = cfgText.code === 0 ? parseConfig(cfgText.stdout, 'flare.yaml').config.git.author : DEFAULT_CONFIG.git.author;
  const reconcilerCommits: string[] = [];
  const lastWriter = new Map<string, { sha: string; reconciler: boolean }>();
  if (head.code === 0 && from !== head.stdout.trim()) {
    const meta = (await git(['log', `--format=%H${SEP}%an${SEP}%ae${SEP}%B${REC}`, `${from}..HEAD`], root)).stdout;
    const byCommit = new Map<string, boolean>();
    for (const rec of meta.split(REC)) {
      const [sha, an, ae, body] = rec.replace(/^\n/, '').split(SEP);
      if (!sha || body === undefined) continue;
      const trailers = parseCommitTrailers(body);
      const isRec = an === author.name && ae === author.email && (trailers['Flare-Intent']?.length ?? 0) > 0;
      byCommit.set(sha, isRec);
      if (isRec) reconcilerCommits.push(sha);
    }
    // newest first: the first commit listing a file is its last writer
    const files = (await git(['log', '--no-renames', '--name-only', `--format=${REC}%H`, `${from}..HEAD`, '--', `${pre}status`], root)).stdout;
    for (const block of files.split(REC)) {
      const [sha, ...names] = block.split('\n').map((l) => l.trim()).filter(Boolean);
      if (!sha) continue;
      for (const n of names) {
        const r = toRepo(n);
        if (r && !lastWriter.has(r)) lastWriter.set(r, { sha, reconciler: byCommit.get(sha) === true });
      }
    }
  }

  const diagnostics: Diagnostic[] = [];
  const sorted = [...changed].sort();
  for (const f of sorted) {
    if (f.startsWith('status/')) {
      const w = lastWriter.get(f);
      if (!uncommitted.has(f) && w?.reconciler) continue;
      const by = uncommitted.has(f) ? 'in the working tree' : w ? `by commit ${w.sha.slice(0, 12)}` : 'since the base';
      diagnostics.push(
        diag(f, 'status-changed', `status/ is written by the reconciler only; this change touches ${f} (${by})`, 'revert the change to status/; the reconciler writes and signs status files'),
      );
    } else if (f.startsWith('rendered/')) {
      const rel = f.slice('rendered/'.length);
      if (!input.rendered) {
        diagnostics.push(diag(f, 'rendered-unverified', `${f} changed but the repo does not render, so the change cannot be checked`, 'fix the errors above, then run flare render'));
        continue;
      }
      const want = input.rendered.get(rel);
      const have = await readFile(path.join(dir, f), 'utf8').catch(() => undefined);
      if (want === have) continue;
      const what = have === undefined ? 'was deleted, but flare render produces it' : want === undefined ? 'is not produced by flare render' : 'differs from what flare render produces';
      diagnostics.push(diag(f, 'rendered-changed', `${f} ${what}`, 'rendered/ is generated: run flare render and commit its output, never edit it by hand'));
    }
  }
  return { from, changed: sorted, reconcilerCommits, diagnostics };
}
