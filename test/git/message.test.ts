import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runGit } from '../../src/git/exec.js';
import { buildCommitMessage, parseCommitTrailers } from '../../src/git/message.js';

describe('buildCommitMessage', () => {
  it('renders subject, body and trailers (arrays repeat the key)', () => {
    const message = buildCommitMessage({
      subject: 'flare: status of 2 intents',
      body: 'team-a-llama is Running.\nteam-b-train is Pending.',
      trailers: { 'Flare-Intent': ['team-a-llama', 'team-b-train'], 'Flare-Phase': 'team-a-llama=Running' },
      skipCi: true,
    });
    expect(message).toBe(
      'flare: status of 2 intents [skip ci]\n\n' +
        'team-a-llama is Running.\nteam-b-train is Pending.\n\n' +
        'Flare-Intent: team-a-llama\nFlare-Intent: team-b-train\nFlare-Phase: team-a-llama=Running\n',
    );
  });

  it('omits an empty body and trailer block, and skip ci when not asked', () => {
    expect(buildCommitMessage({ subject: 'x' })).toBe('x\n');
    expect(buildCommitMessage({ subject: 'x', trailers: {} })).toBe('x\n');
  });

  it('keeps values on one line so they cannot forge trailers', () => {
    const message = buildCommitMessage({ subject: 'a\nb', trailers: { 'Flare-Intent': 'x\nFlare-Phase: evil' } });
    expect(message).toBe('a b\n\nFlare-Intent: x Flare-Phase: evil\n');
    expect(parseCommitTrailers(message)).toEqual({ 'Flare-Intent': ['x Flare-Phase: evil'] });
  });

  it('rejects bad trailer keys and empty subjects', () => {
    expect(() => buildCommitMessage({ subject: 'x', trailers: { 'Bad Key': 'v' } })).toThrow(/trailer key/);
    expect(() => buildCommitMessage({ subject: '  ' })).toThrow(/empty/);
  });

  it('produces trailers git itself recognizes', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-msg-'));
    try {
      const message = buildCommitMessage({
        subject: 's',
        body: 'body',
        trailers: { 'Flare-Intent': 'team-a', 'Flare-Phase': 'team-a=Running' },
      });
      const { stdout } = await runGit(['interpret-trailers', '--parse'], { cwd: dir, input: message });
      expect(stdout).toBe('Flare-Intent: team-a\nFlare-Phase: team-a=Running\n');
      expect(parseCommitTrailers(message)).toEqual({ 'Flare-Intent': ['team-a'], 'Flare-Phase': ['team-a=Running'] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses no trailers from a message without a trailer paragraph', () => {
    expect(parseCommitTrailers('subject only\n')).toEqual({});
    expect(parseCommitTrailers('s\n\nnot: a\nplain line\n')).toEqual({});
  });
});
