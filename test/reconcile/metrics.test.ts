import { describe, expect, it } from 'vitest';
import { GitError } from '../../src/errors.js';
import { ReconcilerMetrics } from '../../src/reconcile/metrics.js';

describe('reconciler metrics are named for what they count', () => {
  it('a git failure that is not a refused push counts as a git failure only', () => {
    const m = new ReconcilerMetrics();
    m.countGitFailure(new GitError('git fetch timed out', 'timeout'));
    m.countGitFailure(new GitError('git push rejected: fetch first', 'remote-rejected'));
    m.countGitFailure(new GitError('git push rejected: fetch first', 'remote-rejected'));
    const text = m.render();
    expect(text).toMatch(/^flare_push_failures_total 2$/m);
    expect(text).toMatch(/^flare_git_failures_total\{reason="timeout"\} 1$/m);
    expect(text).toMatch(/^flare_git_failures_total\{reason="remote-rejected"\} 2$/m);
  });
});
