import { spawn } from 'node:child_process';
import { parseIntent } from '../intent/parse.js';
import { specHash } from '../intent/spec-hash.js';
import { DEFAULT_CONFIG } from '../config/model.js';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadRepo } from '../repo/load.js';
import { loadTemplates } from '../render/load-templates.js';
import { render } from '../render/render.js';
import { intentYaml, statusYaml, tenantYaml } from '../repo/synthetic.js';

/**
 * `flare render` at scale: N intents over 20 tenants (varied shapes, a third of them with status
 * in stages B–D), measured in a child process (wall time and peak RSS), against the FLOOR of the
 * same run: reading and parsing the same inputs with the yaml library, then serializing and
 * writing the same output objects with the yaml library, nothing else.
 */
const TENANTS = 20;

async function generateRepo(dir: string, count: number): Promise<void> {
  await mkdir(path.join(dir, 'tenants'), { recursive: true });
  for (let t = 0; t < TENANTS; t++) {
    const name = `t${String(t).padStart(2, '0')}`;
    await writeFile(path.join(dir, 'tenants', `${name}.yaml`), tenantYaml(name));
    await mkdir(path.join(dir, 'intents', name), { recursive: true });
    await mkdir(path.join(dir, 'status', name), { recursive: true });
  }
  const writes: Promise<void>[] = [];
  for (let n = 0; n < count; n++) {
    const t = `t${String(n % TENANTS).padStart(2, '0')}`;
    const text = intentYaml(n);
    writes.push(writeFile(path.join(dir, 'intents', t, `w${n}.yaml`), text));
    // The status must answer this very intent (its spec hash), or only stage A would render.
    const parsed = parseIntent(text, `intents/${t}/w${n}.yaml`, { tenant: t, config: DEFAULT_CONFIG }).intent;
    const s = statusYaml(t, n, parsed ? specHash(parsed, DEFAULT_CONFIG) : 'bench');
    if (s) writes.push(writeFile(path.join(dir, 'status', t, `w${n}.yaml`), s));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
}

interface ChildResult {
  code: number;
  /** ms measured inside the child (excludes node start-up and module loading). */
  inner: number;
  /** ms measured from the parent (whole process). */
  outer: number;
  /** CPU ms (user + system) spent inside the timed part of the child: the machine is shared, so wall time alone misleads. */
  cpu: number;
  maxRssKiB: number;
}

function runChild(script: string, cwd: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const outer = performance.now() - t0;
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as { code: number; inner: number; cpu: number; maxRssKiB: number };
        resolve({ ...r, code: code ?? r.code, outer });
      } catch {
        reject(new Error(`child failed (${code}): ${err.slice(-2000)}`));
      }
    });
  });
}

const pkgRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The `flare render` command itself (src/cli/render.ts), without loading the other commands. */
function renderScript(): string {
  const cmdUrl = pathToFileURL(path.join(pkgRoot, 'dist', 'cli', 'render.js')).href;
  return `
import { Writable } from 'node:stream';
const [repo, out] = process.argv.slice(-2);
const { renderCommand } = await import(${JSON.stringify(cmdUrl)});
let log = '';
const sink = new Writable({ write(c, _e, cb) { log += c; cb(); } });
const ctx = { exitCode: 0, stdout: sink, stderr: sink, cwd: process.cwd(), env: {} };
const c0 = process.cpuUsage();
const t0 = performance.now();
await renderCommand(ctx).parseAsync(['--repo', repo, '--out', out], { from: 'user' });
const inner = performance.now() - t0;
const c = process.cpuUsage(c0);
if (ctx.exitCode !== 0) process.stderr.write(log);
console.log(JSON.stringify({ code: ctx.exitCode, inner, cpu: (c.user + c.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS }));
`;
}

function floorScript(): string {
  const yamlUrl = pathToFileURL(path.join(pkgRoot, 'node_modules', 'yaml', 'dist', 'index.js')).href;
  const writeUrl = pathToFileURL(path.join(pkgRoot, 'dist', 'render', 'write.js')).href;
  return `
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
const yaml = await import(${JSON.stringify(yamlUrl)});
const { writeTree } = await import(${JSON.stringify(writeUrl)});
const [repo, objectsFile, out] = process.argv.slice(-3);
// the objects to write are loaded before the clock starts: they stand for what rendering produced
const objects = JSON.parse(await readFile(objectsFile, 'utf8'));
const c0 = process.cpuUsage();
const t0 = performance.now();
let parsed = 0;
for (const root of ['tenants', 'intents', 'status']) {
  const walk = async (d) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else { yaml.parse(await readFile(p, 'utf8')); parsed++; }
    }
  };
  await walk(path.join(repo, root));
}
const files = new Map();
for (const [p, o] of objects) files.set(p, yaml.stringify(o));
await writeTree(out, files);
const inner = performance.now() - t0;
const c = process.cpuUsage(c0);
console.log(JSON.stringify({ code: parsed > 0 ? 0 : 1, inner, cpu: (c.user + c.system) / 1000, maxRssKiB: process.resourceUsage().maxRSS }));
`;
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export async function benchRender(log: (line: string) => void, counts: readonly number[] = [1000, 10000]): Promise<void> {
  for (const count of counts) {
    const base = await mkdtemp(path.join(os.tmpdir(), 'flare-bench-render-'));
    try {
      const repo = path.join(base, 'repo');
      await generateRepo(repo, count);
      // the same output objects for the floor, rendered in this process (not timed)
      const model = await loadRepo(repo);
      const errors = model.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`bench repo is invalid: ${errors[0]!.file} ${errors[0]!.message}`);
      const rendered = render(model, (await loadTemplates(repo)).templates);
      const objectsFile = path.join(base, 'objects.json');
      await writeFile(objectsFile, JSON.stringify(rendered.objects.map((o) => [o.path, o.object])));

      const first = await runChild(renderScript(), pkgRoot, [repo, path.join(base, 'out-render')]);
      // a second render over an existing tree also removes the old one
      const again = await runChild(renderScript(), pkgRoot, [repo, path.join(base, 'out-render')]);
      const floor = await runChild(floorScript(), pkgRoot, [repo, objectsFile, path.join(base, 'out-floor')]);
      if (first.code !== 0 || again.code !== 0 || floor.code !== 0) throw new Error('bench child failed');
      log(`render ${count} intents (${rendered.objects.length} objects, ${rendered.files.size} files, ${TENANTS} tenants):`);
      log(`  flare render (fresh)   ${fmt(first.inner)} in-process (CPU ${fmt(first.cpu)}), ${fmt(first.outer)} with node start-up, peak RSS ${(first.maxRssKiB / 1024).toFixed(0)} MiB`);
      log(`  flare render (replace) ${fmt(again.inner)} in-process (CPU ${fmt(again.cpu)}), ${fmt(again.outer)} with node start-up, peak RSS ${(again.maxRssKiB / 1024).toFixed(0)} MiB`);
      log(`  floor (yaml parse inputs + yaml stringify/write outputs) ${fmt(floor.inner)} (CPU ${fmt(floor.cpu)}), peak RSS ${(floor.maxRssKiB / 1024).toFixed(0)} MiB`);
      log(`  ratio render/floor: fresh ${(first.inner / floor.inner).toFixed(2)}×, replace ${(again.inner / floor.inner).toFixed(2)}×`);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  }
}
