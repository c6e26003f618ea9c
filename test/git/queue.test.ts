import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../../src/git/queue.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('SerialQueue', () => {
  it('runs tasks one at a time in submission order', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string, ticks: number) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      events.push(`start ${name}`);
      for (let i = 0; i < ticks; i++) await tick();
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([queue.run(task('a', 3)), queue.run(task('b', 1)), queue.run(task('c', 2))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(maxRunning).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps going after a task fails, rejecting only that task', async () => {
    const queue = new SerialQueue();
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 42);
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });

  it('counts pending tasks and drains', async () => {
    const queue = new SerialQueue();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    void queue.run(() => gate);
    void queue.run(async () => undefined);
    expect(queue.size).toBe(2);
    const drained = queue.drain().then(() => queue.size);
    release();
    expect(await drained).toBe(0);
  });
});
