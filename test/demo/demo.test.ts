import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { main } from '../../src/cli/main.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function sink(): { stream: Writable; text: () => string } {
  let buf = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  });
  return { stream, text: () => buf };
}

/** Every intent file of the example repo, as `<tenant>/<file>`. */
function exampleIntentCount(): number {
  const dir = path.join(repoRoot, 'intents');
  return readdirSync(dir).reduce((n, t) => n + readdirSync(path.join(dir, t)).length, 0);
}

describe('flare demo', () => {
  it('runs the example repo through sandbox, git http-backend and reconciler to Running/Completed', async () => {
    const out = sink();
    const err = sink();
    const code = await main(['node', 'flare', 'demo', '--output', 'json', '--repo', repoRoot], {
      stdout: out.stream,
      stderr: err.stream,
      cwd: repoRoot,
      env: {},
    });
    const result = JSON.parse(out.text()) as {
      intents: { id: string; phase: string; provider: string | null }[];
      commits: number;
      timedOut: boolean;
    };
    expect(result.timedOut).toBe(false);
    expect(result.intents).toHaveLength(exampleIntentCount());
    const unsettled = result.intents.filter((i) => i.phase !== 'Running' && i.phase !== 'Completed');
    expect(unsettled).toEqual([]);
    for (const i of result.intents) expect(i.provider).toBeTruthy();
    // batch seeds complete, services run
    expect(result.intents.find((i) => i.id === 'research-bert--large--training')?.phase).toBe('Completed');
    expect(result.intents.find((i) => i.id === 'ml-platform-deepseek--r1--nvidia')?.phase).toBe('Running');
    // the seed commit plus at least one status commit per stage transition
    expect(result.commits).toBeGreaterThanOrEqual(4);
    // progress went to stderr, results to stdout
    expect(err.text()).toMatch(/git remote http:\/\/127\.0\.0\.1:\d+\/flare\.git/);
    expect(code).toBe(0);
  }, 180_000);
});
