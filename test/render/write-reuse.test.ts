import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { listTree, writeRendered } from '../../src/render/write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeRendered over an existing tree', () => {
  test('unchanged files are reused, changed ones rewritten, stale ones gone; symlinks and executables never reused', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flare-write-reuse-'));
    const out = path.join(dir, 'rendered');
    const outside = path.join(dir, 'outside.yaml');
    await writeRendered(out, new Map([['a/same.yaml', 'same\n'], ['a/changed.yaml', 'old\n'], ['a/stale.yaml', 'x\n'], ['a/exec.yaml', 'e\n']]));
    // an old file replaced by a symlink to an outside file with the same content, and an executable one
    writeFileSync(outside, 'link\n');
    symlinkSync(outside, path.join(out, 'a', 'link.yaml'));
    chmodSync(path.join(out, 'a', 'exec.yaml'), 0o755);
    const files = new Map([['a/same.yaml', 'same\n'], ['a/changed.yaml', 'new\n'], ['a/link.yaml', 'link\n'], ['a/exec.yaml', 'e\n']]);
    await writeRendered(out, files);
    expect(await listTree(out)).toEqual([...files.keys()].sort());
    for (const [rel, text] of files) expect(readFileSync(path.join(out, rel), 'utf8')).toBe(text);
    expect(lstatSync(path.join(out, 'a', 'link.yaml')).isSymbolicLink()).toBe(false);
    expect(statSync(outside).nlink).toBe(1);
    expect(statSync(path.join(out, 'a', 'exec.yaml')).mode & 0o111).toBe(0);
    // the old tree is gone, so a reused file has a single name again
    expect(statSync(path.join(out, 'a', 'same.yaml')).nlink).toBe(1);
    expect(lstatSync(dir).isDirectory() && (await listTree(dir)).every((f) => f.startsWith('rendered/') || f === 'outside.yaml')).toBe(true);
  });

  test('a folder of the old tree that is a symlink is not read through', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'flare-write-reuse-'));
    const out = path.join(dir, 'rendered');
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(path.join(elsewhere, 'f.yaml'), 'same\n');
    mkdirSync(out);
    symlinkSync(elsewhere, path.join(out, 't'));
    await writeRendered(out, new Map([['t/f.yaml', 'same\n']]));
    expect(lstatSync(path.join(out, 't')).isSymbolicLink()).toBe(false);
    expect(statSync(path.join(elsewhere, 'f.yaml')).nlink).toBe(1);
    expect(readFileSync(path.join(out, 't', 'f.yaml'), 'utf8')).toBe('same\n');
  });
});
