import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { runFlare, sink } from '../support/cli.js';

describe('flare serve (usage)', () => {
  it('is registered and documents its options', async () => {
    const out = sink();
    const program = buildProgram({ exitCode: 0, stdout: out.stream, stderr: out.stream, cwd: process.cwd(), env: {} });
    const help = program.commands.find((c) => c.name() === 'serve')!.helpInformation();
    for (const o of ['--repo', '--kubeconfig', '--host', '--port', '--token-file', '--tls-cert', '--git']) expect(help).toContain(o);
    expect(help).toContain('127.0.0.1');
  });

  it('refuses bad options before opening anything', async () => {
    expect((await runFlare(['serve', '--git', 'jgit'], process.cwd())).code).toBe(2);
    const tls = await runFlare(['serve', '--tls-cert', 'c.pem'], process.cwd());
    expect(tls.code).toBe(2);
    expect(tls.stderr).toContain('--tls-cert and --tls-key go together');
    const short = await runFlare(['serve'], process.cwd(), { FLARE_BOOTSTRAP_TOKEN: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16 characters');
    expect(short.stderr).not.toContain('short\n');
  });
});
