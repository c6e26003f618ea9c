import type { LiveDemo } from '../demo/run-demo.js';
import { startLocalDashboard } from '../serve/dashboard.js';
import { type CliContext, untilStopped } from './context.js';

/**
 * `flare demo --ui`: the dashboard over the demo's remote and sandbox until Ctrl-C. The URL
 * goes to stderr (stdout holds the demo's results); it carries a read-only token in the fragment.
 */
export async function serveDemoDashboard(ctx: CliContext, live: LiveDemo, o: { port: number; verbose: boolean }): Promise<void> {
  try {
    const dash = await startLocalDashboard({
      gitUrl: live.gitUrl,
      cluster: live.cluster,
      workDir: live.workDir,
      port: o.port,
      ...(o.verbose ? { accessLog: (l: string) => ctx.stderr.write(`  | ${l}\n`) } : {}),
    });
    ctx.stderr.write(`demo: dashboard on ${dash.url}\ndemo: read-only token in the URL; the reconciler keeps running. Ctrl-C to stop.\n`);
    await untilStopped(ctx.signal);
    ctx.stderr.write('demo: stopping\n');
    await dash.close();
  } finally {
    await live.release();
  }
}
