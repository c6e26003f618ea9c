import { describe, expect, it } from 'vitest';
import { changePathProblem, validateCommitRequest } from '../../src/git/worktree.js';

describe('changePathProblem', () => {
  it('accepts plain relative paths', () => {
    expect(changePathProblem('status/team-a/llama.yaml')).toBeUndefined();
    expect(changePathProblem('.flare/state.yaml')).toBeUndefined();
  });
  it.each(['', '/abs', '../up', 'a/../b', 'a/./b', 'a//b', 'a/', '.git/config', 'x/.GIT/y', 'a\\b', 'a\0b', 'x'.repeat(2000)])(
    'rejects %j',
    (p) => {
      expect(changePathProblem(p)).toBeDefined();
    },
  );
});

describe('validateCommitRequest', () => {
  const author = { name: 'a', email: 'a@b' };
  it('rejects duplicate paths and empty messages', () => {
    expect(() =>
      validateCommitRequest({ changes: [{ path: 'a', content: '1' }, { path: 'a', content: null }], message: 'm', author }),
    ).toThrow(/twice/);
    expect(() => validateCommitRequest({ changes: [], message: ' \n', author })).toThrow(/empty/);
    expect(() => validateCommitRequest({ changes: [], message: 'm', author })).not.toThrow();
  });
});
