import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLimited } from '../../src/util/read-limited.js';

describe('readLimited', () => {
  it('returns every byte up to the limit, in order', async () => {
    const body = await readLimited(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(body?.toString()).toBe('abcd');
  });

  it('gives up (undefined) one byte past the limit, and lets the rest flow away', async () => {
    const stream = Readable.from([Buffer.from('ab'), Buffer.from('cde'), Buffer.from('fgh')]);
    const ended = new Promise((resolve) => stream.on('end', resolve));
    expect(await readLimited(stream, 4)).toBeUndefined();
    await ended; // drained, not left paused
    expect(stream.readableEnded).toBe(true);
  });

  it('passes a stream error on', async () => {
    const stream = new Readable({ read() {} });
    const reading = readLimited(stream, 10);
    stream.destroy(new Error('reset by peer'));
    await expect(reading).rejects.toThrow('reset by peer');
  });
});
