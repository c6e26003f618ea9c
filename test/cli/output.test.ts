import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { processStopSignal, untilStopped } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { runGit } from '../../src/git/exec.js';
import { runFlare, sink } from '../support/cli.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Every command that does something (the leaves: `sandbox up`, not `sandbox`). */
function leaves(cmd: Command, prefix: string[] = []): { path: string[]; cmd: Command }[] {
  if (cmd.commands.length === 0) return [{ path: prefix, cmd }];
  return cmd.commands.flatMap((c) => leaves(c, [...prefix, c.name()]));
}

const program = (): Command => {
  const out = sink();
  return buildProgram({ exitCode: 0, stdout: out.stream, stderr: out.stream, cwd: repoRoot, env: {} });
};

describe('one --output option for every command', () => {
  const all = leaves(program());

  it('covers the commands flare has', () => {
    // a guard against a vacuous loop below: the program really has its commands
    expect(all.map((l) => l.path.join(' '))).toEqual(
      expect.arrayContaining(['validate', 'render', 'init', 'sandbox up', 'reconcile', 'serve', 'status', 'demo', 'argocd', 'plan', 'explain']),
    );
    expect(all.length).toBeGreaterThanOrEqual(17);
  });

  it.each(all.map((l) => [l.path.join(' '), l] as const))('%s has -o, --output with text and json', (_name, l) => {
    const o = l.cmd.options.find((x) => x.long === '--output');
    expect(o?.short).toBe('-o');
    expect(o?.description).toMatch(/\btext\b/);
    expect(o?.description).toMatch(/\bjson\b/);
  });

  it.each(all.map((l) => [l.path.join(' '), l] as const))('%s refuses -o xml with the same usage error, exit 2, before doing anything', async (_name, l) => {
    // the refusal comes from parsing the option, so a required argument may be missing
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-output-'));
    try {
      const r = await runFlare([...l.path, '-o', 'xml'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^flare: --output must be one of (\w+, )*text(, \w+)* \(got "xml"\)\n$/);
      expect(r.stderr).toContain('json');
      expect(r.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function miniRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flare-render-json-'));
  for (const f of ['flare.yaml', 'tenants/ml-platform.yaml', 'intents/ml-platform/mistral-chat.yaml']) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), readFileSync(path.join(repoRoot, f)));
  }
  return dir;
}

interface RenderJson {
  out: string;
  check: boolean;
  ok: boolean;
  objects: number;
  intents: number;
  added: string[];
  changed: string[];
  removed: string[];
  diagnostics: { severity: string; code: string; file: string }[];
}

describe('render -o json', () => {
  it('lists the files a render adds, changes and removes, then nothing once up to date; --check says the same', async () => {
    const dir = miniRepo();
    try {
      const first = await runFlare(['render', '-o', 'json'], dir);
      expect(first.code, first.stderr).toBe(0);
      const a = JSON.parse(first.stdout) as RenderJson;
      expect(a).toMatchObject({ out: 'rendered', check: false, ok: true, intents: 1, changed: [], removed: [] });
      expect(a.objects).toBeGreaterThan(0);
      // every file written, and only those
      const written = (readdirSync(path.join(dir, 'rendered'), { recursive: true, withFileTypes: true }) as Dirent[])
        .filter((e) => e.isFile())
        .map((e) => path.relative(path.join(dir, 'rendered'), path.join(e.parentPath, e.name)).split(path.sep).join('/'));
      expect([...a.added].sort()).toEqual(written.sort());
      expect(a.added.some((f) => f.includes('mistral'))).toBe(true);

      const again = JSON.parse((await runFlare(['render', '-o', 'json'], dir)).stdout) as RenderJson;
      expect(again).toMatchObject({ ok: true, added: [], changed: [], removed: [] });

      // a hand edit and a stray file: changed back and removed by the next render
      const edited = a.added[0]!;
      writeFileSync(path.join(dir, 'rendered', edited), 'hand: edit\n');
      writeFileSync(path.join(dir, 'rendered', 'stray.yaml'), 'x: 1\n');
      const check = await runFlare(['render', '--check', '-o', 'json'], dir);
      expect(check.code).toBe(1);
      expect(JSON.parse(check.stdout)).toMatchObject({ check: true, ok: false, added: [], changed: [edited], removed: ['stray.yaml'] });
      const fix = JSON.parse((await runFlare(['render', '-o', 'json'], dir)).stdout) as RenderJson;
      expect(fix).toMatchObject({ ok: true, added: [], changed: [edited], removed: ['stray.yaml'] });
      expect(existsSync(path.join(dir, 'rendered', 'stray.yaml'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('puts the diagnostics of a broken repo in the result (exit 1, nothing written)', async () => {
    const dir = miniRepo();
    try {
      writeFileSync(path.join(dir, 'intents/ml-platform/broken.yaml'), 'kind: Intent\nspec: {}\n');
      const r = await runFlare(['render', '-o', 'json'], dir);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.stdout) as RenderJson;
      expect(j.ok).toBe(false);
      expect(j.added).toEqual([]);
      expect(j.diagnostics.some((d) => d.severity === 'error' && d.file === 'intents/ml-platform/broken.yaml')).toBe(true);
      expect(existsSync(path.join(dir, 'rendered'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('init -o json', () => {
  it('lists the files written, then refuses a second init with one diagnostic per existing file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-init-json-'));
    try {
      const r = await runFlare(['init', 'repo', '--repo-url', 'https://git.example.com/a.git', '-o', 'json'], dir);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { dir: string; written: { path: string; overwritten: boolean }[]; diagnostics: unknown[] };
      expect(j.dir).toBe('repo');
      expect(j.diagnostics).toEqual([]);
      expect(j.written.map((w) => w.path)).toContain('flare.yaml');
      for (const w of j.written) {
        expect(w.overwritten).toBe(false);
        expect(existsSync(path.join(dir, 'repo', w.path))).toBe(true);
      }
      const again = await runFlare(['init', 'repo', '--repo-url', 'https://git.example.com/a.git', '-o', 'json'], dir);
      expect(again.code).toBe(1);
      const k = JSON.parse(again.stdout) as { written: unknown[]; diagnostics: { code: string; file: string; severity: string }[] };
      expect(k.written).toEqual([]);
      expect(k.diagnostics.map((d) => d.file).sort()).toEqual(j.written.map((w) => `repo/${w.path}`).sort());
      expect(new Set(k.diagnostics.map((d) => `${d.severity}:${d.code}`))).toEqual(new Set(['error:file-exists']));
      const forced = JSON.parse((await runFlare(['init', 'repo', '--repo-url', 'https://git.example.com/a.git', '--force', '-o', 'json'], dir)).stdout) as typeof j;
      expect(forced.written.every((w) => w.overwritten)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A stand-in for `process`: signal handlers and kill() without touching the test runner's process. */
function fakeProcess(): NodeJS.Process & { killed: string[] } {
  const p = new EventEmitter() as EventEmitter & { pid: number; killed: string[]; kill: (pid: number, sig: string) => boolean };
  p.pid = 4242;
  p.killed = [];
  p.kill = (_pid, sig) => (p.killed.push(sig), true);
  return p as unknown as NodeJS.Process & { killed: string[] };
}

describe('the CLI stop signal', () => {
  it('aborts the context signal with the process signal when a long-running command waits on it', async () => {
    const proc = fakeProcess();
    const { signal, detach } = processStopSignal(proc);
    const stopped = untilStopped(signal);
    proc.emit('SIGTERM', 'SIGTERM');
    await expect(stopped).resolves.toBe('SIGTERM');
    expect(proc.killed).toEqual([]);
    // once: the handlers are gone, a second Ctrl-C gets the default handling
    expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    detach();
  });

  it('re-raises the signal with the default handling when no command waits (Ctrl-C still ends a short command)', () => {
    const proc = fakeProcess();
    const { signal } = processStopSignal(proc);
    proc.emit('SIGINT', 'SIGINT');
    expect(proc.killed).toEqual(['SIGINT']);
    expect(signal.aborted).toBe(false);
    expect(proc.listenerCount('SIGINT')).toBe(0);
  });

  it('main() leaves no signal handler behind, and commands add none of their own', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-sig-'));
    try {
      await runFlare(['validate'], dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});

describe('long-running commands stop on the context signal', () => {
  it('serve -o json prints where it listens, installs no signal handler of its own, and stops with exit 0 on abort', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flare-serve-sig-'));
    try {
      const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
      await runGit(['init', '-q', '-b', 'main'], { cwd: dir });
      writeFileSync(path.join(dir, 'README.md'), 'x\n');
      await runGit(['add', '-A'], { cwd: dir });
      await runGit(['commit', '-q', '-m', 'init'], { cwd: dir, env });
      const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
      const out = sink();
      const err = sink();
      const stop = new AbortController();
      const running = main(['node', 'flare', 'serve', '--port', '0', '--token-store', path.join(dir, 'tokens.json'), '-o', 'json'], {
        stdout: out.stream,
        stderr: err.stream,
        cwd: dir,
        env: {},
        signal: stop.signal,
      });
      const deadline = Date.now() + 30_000;
      while (!out.text().includes('\n')) {
        if (Date.now() > deadline) throw new Error(`serve did not start: ${err.text()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const line = JSON.parse(out.text()) as { url: string; tokens: string };
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
      expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
      stop.abort('SIGINT');
      expect(await running).toBe(0);
      expect(err.text()).toContain('serve: stopping');
      await expect(fetch(line.url)).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
