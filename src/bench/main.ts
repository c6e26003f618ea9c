import { benchApi } from './api.js';
import { benchGit } from './git.js';
import { benchRank } from './rank.js';
import { benchReconcile } from './reconcile.js';
import { benchRender } from './render.js';
import { benchSandbox } from './sandbox.js';
import { benchServe } from './serve.js';

type Bench = (log: (line: string) => void) => Promise<void>;

/** `npm run bench [names…]`: every benchmark prints its own figures; the names pick a subset. */
const BENCHES: Record<string, Bench> = {
  render: benchRender,
  rank: benchRank,
  api: benchApi,
  sandbox: benchSandbox,
  git: benchGit,
  reconcile: benchReconcile,
  serve: benchServe,
};

async function run(argv: string[]): Promise<number> {
  const wanted = argv.length > 0 ? argv : Object.keys(BENCHES);
  const unknown = wanted.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
    return 2;
  }
  const log = (line: string) => process.stdout.write(line + '\n');
  for (const name of wanted) {
    log(`\n== ${name} ==`);
    const started = Date.now();
    await BENCHES[name]!(log);
    log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  return 0;
}

process.exitCode = await run(process.argv.slice(2));
