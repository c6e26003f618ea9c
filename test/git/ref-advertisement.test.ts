import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runGit } from '../../src/git/exec.js';
import {
  capabilitiesOf,
  lsRefsRequest,
  lsRefsResponse,
  offersLsRefs,
  parseLsRefsRequest,
  parsePktLines,
  parseRefLines,
  pktLine,
  receivePackAdvertisement,
  uploadPackAdvertisement,
} from '../../src/git/ref-advertisement.js';
import type { RefList } from '../../src/git/ref-advertisement.js';
import { readAllRefsFromFiles } from '../../src/git/ref-files.js';
import { probeApplies } from '../../src/git/remote-probe.js';
import { git } from './helpers.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** The request git 2.39 sends for `git fetch origin main` (captured with GIT_TRACE_PACKET). */
const GIT_FETCH_LS_REFS =
  '0014command=ls-refs\n' + '0015agent=git/2.39.5\n' + '0017object-format=sha1\n' + '0001' + '0009peel\n' + '000csymrefs\n' +
  '000bunborn\n' + '001fref-prefix refs/heads/main\n' + '0000';

describe('pkt-lines and ls-refs requests (pure)', () => {
  it('frames and splits pkt-lines, flush and delim included; a bad length is not a stream', () => {
    expect(pktLine('version 2\n')).toBe('000eversion 2\n');
    expect(parsePktLines(Buffer.from('000eversion 2\n00010000'))).toEqual([
      { kind: 'data', text: 'version 2\n' },
      { kind: 'delim' },
      { kind: 'flush' },
    ]);
    expect(parsePktLines(Buffer.from('000eversion'))).toBeUndefined();
    expect(parsePktLines(Buffer.from('zz0e'))).toBeUndefined();
    expect(parsePktLines(Buffer.from('0003'))).toBeUndefined();
  });

  it("reads git's own ls-refs request, and declines what it does not know", () => {
    expect(parseLsRefsRequest(Buffer.from(GIT_FETCH_LS_REFS))).toEqual({
      peel: true,
      symrefs: true,
      unborn: true,
      prefixes: ['refs/heads/main'],
    });
    expect(parseLsRefsRequest(Buffer.from(lsRefsRequest(['refs/heads/x', 'HEAD'], 'me')))).toEqual({
      peel: false,
      symrefs: false,
      unborn: false,
      prefixes: ['refs/heads/x', 'HEAD'],
    });
    const swap = (from: string, to: string) => Buffer.from(GIT_FETCH_LS_REFS.replace(from, to));
    expect(parseLsRefsRequest(swap('0014command=ls-refs\n', '0012command=fetch\n'))).toBeUndefined();
    expect(parseLsRefsRequest(swap('0009peel\n', '0009pool\n'))).toBeUndefined();
    expect(parseLsRefsRequest(swap('0017object-format=sha1\n', '0019object-format=sha256\n'))).toBeUndefined();
    expect(parseLsRefsRequest(Buffer.from(GIT_FETCH_LS_REFS.slice(0, -4)))).toBeUndefined();
  });

  it('answers ls-refs as git does: HEAD first with its target, refs in byte order, unborn HEAD only when asked', () => {
    const list: RefList = {
      head: { target: 'refs/heads/main', sha: A },
      refs: [
        { name: 'refs/heads/main', sha: A },
        { name: 'refs/heads/feature/x', sha: B },
        { name: 'refs/heads/feature-x', sha: B },
      ],
    };
    const all = { peel: true, symrefs: true, unborn: true, prefixes: [] };
    expect(lsRefsResponse(list, all)).toBe(
      `0050${A} HEAD symref-target:refs/heads/main\n` +
        `0042${B} refs/heads/feature-x\n` +
        `0042${B} refs/heads/feature/x\n` +
        `003d${A} refs/heads/main\n` +
        '0000',
    );
    expect(lsRefsResponse(list, { ...all, symrefs: false, prefixes: ['refs/heads/m', 'HEAD'] })).toBe(
      `0032${A} HEAD\n003d${A} refs/heads/main\n0000`,
    );
    const unborn: RefList = { head: { target: 'refs/heads/main', sha: '' }, refs: [] };
    expect(lsRefsResponse(unborn, all)).toBe('002eunborn HEAD symref-target:refs/heads/main\n0000');
    expect(lsRefsResponse(unborn, { ...all, unborn: false })).toBe('0000');
    // an annotated tag would need peeling: that takes the object database, so git answers
    const tagged: RefList = { head: list.head, refs: [{ name: 'refs/tags/v1', sha: B }] };
    expect(lsRefsResponse(tagged, all)).toBeUndefined();
    expect(lsRefsResponse(tagged, { ...all, peel: false })).toBe(`0050${A} HEAD symref-target:refs/heads/main\n003a${B} refs/tags/v1\n0000`);
  });

  it('builds a push advertisement with the capabilities on the first ref, or on the placeholder of an empty repository', () => {
    expect(receivePackAdvertisement([{ name: 'refs/heads/z', sha: B }, { name: 'refs/heads/a', sha: A }], 'report-status')).toBe(
      '001f# service=git-receive-pack\n0000' + `0048${A} refs/heads/a\0report-status\n` + `003a${B} refs/heads/z\n` + '0000',
    );
    expect(receivePackAdvertisement([], 'atomic')).toBe(
      `001f# service=git-receive-pack\n00000044${'0'.repeat(40)} capabilities^{}\0atomic\n0000`,
    );
    expect(capabilitiesOf(Buffer.from(receivePackAdvertisement([], 'atomic quiet')))).toBe('atomic quiet');
  });

  it("builds a v0 fetch advertisement: HEAD first with the capabilities, its symref rewritten to HEAD's branch", () => {
    const list: RefList = { head: { target: 'refs/heads/dev', sha: B }, refs: [{ name: 'refs/heads/main', sha: A }, { name: 'refs/heads/dev', sha: B }] };
    expect(uploadPackAdvertisement(list, 'ofs-delta symref=HEAD:refs/heads/main agent=git/2')).toBe(
      '001e# service=git-upload-pack\n0000' +
        `0063${B} HEAD\0ofs-delta symref=HEAD:refs/heads/dev agent=git/2\n` +
        `003c${B} refs/heads/dev\n` +
        `003d${A} refs/heads/main\n` +
        '0000',
    );
    expect(uploadPackAdvertisement(list, 'ofs-delta agent=git/2')).toBeUndefined(); // no symref to rewrite
    expect(uploadPackAdvertisement({ ...list, head: { sha: B } }, 'symref=HEAD:refs/heads/main')).toBeUndefined(); // detached
    expect(uploadPackAdvertisement({ ...list, refs: [{ name: 'refs/tags/v1', sha: A }] }, 'symref=HEAD:refs/heads/main')).toBeUndefined();
  });

  it('reads refs from an ls-refs answer and from a v0 advertisement; knows a v2 advertisement offering ls-refs', () => {
    expect(parseRefLines(Buffer.from(`0050${A} HEAD symref-target:refs/heads/main\n003d${A} refs/heads/main\n0000`))).toEqual([
      { name: 'HEAD', sha: A },
      { name: 'refs/heads/main', sha: A },
    ]);
    expect(parseRefLines(Buffer.from(receivePackAdvertisement([{ name: 'refs/heads/a', sha: A }], 'x')))).toEqual([
      { name: 'refs/heads/a', sha: A },
    ]);
    expect(parseRefLines(Buffer.from('002eunborn HEAD symref-target:refs/heads/main\n0000'))).toEqual([]);
    expect(parseRefLines(Buffer.from(`0012nonsense here\n0000`))).toBeUndefined();
    expect(parseRefLines(Buffer.from(`003d${A} refs/heads/main\n`))).toBeUndefined(); // no closing flush
    expect(offersLsRefs(Buffer.from('000eversion 2\n0013ls-refs=unborn\n0000'))).toBe(true);
    expect(offersLsRefs(Buffer.from('001e# service=git-upload-pack\n0000000eversion 2\n000cls-refs\n0000'))).toBe(true);
    expect(offersLsRefs(Buffer.from('000eversion 2\n0012fetch=shallow\n0000'))).toBe(false);
  });

  it('probes only plain http(s) URLs, never around a proxy or a CA folder git would use', () => {
    expect(probeApplies('http://127.0.0.1:8080/flare.git', {})).toBe(true);
    expect(probeApplies('https://git.example.com/flare.git', { GIT_SSL_CAINFO: '/etc/ssl/ca.pem' })).toBe(true);
    expect(probeApplies('https://git.example.com/flare.git', { GIT_SSL_CAPATH: '/etc/ssl/certs' })).toBe(false);
    expect(probeApplies('http://git.example.com/flare.git', { GIT_SSL_NO_VERIFY: '1' })).toBe(true);
    expect(probeApplies('https://git.example.com/flare.git', { GIT_SSL_NO_VERIFY: '1' })).toBe(false);
    expect(probeApplies('http://git.example.com/flare.git', { https_proxy: 'http://proxy:3128' })).toBe(false);
    expect(probeApplies('https://user:pw@git.example.com/flare.git', {})).toBe(false);
    expect(probeApplies('/srv/git/flare.git', {})).toBe(false);
    expect(probeApplies('ssh://git@example.com/flare.git', {})).toBe(false);
  });
});

/**
 * The answers built here against the real `git upload-pack` / `git receive-pack` over the same
 * repositories: byte for byte, in every ref layout the ref files can take.
 */
describe('ref listings agree with git itself', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'flare-refadv-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function realLsRefs(bare: string, body: string): Promise<string> {
    return (await runGit(['upload-pack', '--stateless-rpc', bare], { cwd: bare, env: { GIT_PROTOCOL: 'version=2' }, input: body })).stdout;
  }

  let made: Promise<Array<{ name: string; bare: string }>> | undefined;
  const layouts = () => (made ??= makeLayouts());

  async function makeLayouts(): Promise<Array<{ name: string; bare: string }>> {
    const out: Array<{ name: string; bare: string }> = [];
    const make = async (name: string) => {
      const bare = path.join(tmp, `${name}.git`);
      await runGit(['init', '-q', '--bare', '--initial-branch=main', bare], { cwd: tmp });
      out.push({ name, bare });
      return bare;
    };
    const work = path.join(tmp, 'work');
    await runGit(['init', '-q', '--initial-branch=main', work], { cwd: tmp });
    await git(work, 'commit', '-q', '--allow-empty', '-m', 'one');
    const one = await git(work, 'rev-parse', 'HEAD');
    await git(work, 'commit', '-q', '--allow-empty', '-m', 'two');
    const two = await git(work, 'rev-parse', 'HEAD');

    await make('empty');
    const branches = await make('branches');
    for (const [ref, sha] of [
      ['main', two],
      ['feature/x', one],
      ['feature-x', two],
      ['a', one],
    ] as const) {
      await git(work, 'push', '-q', branches, `${sha}:refs/heads/${ref}`);
    }
    const packed = await make('packed');
    await git(work, 'push', '-q', packed, `${one}:refs/heads/main`, `${one}:refs/heads/old`);
    await git(packed, 'pack-refs', '--all');
    await git(work, 'push', '-q', packed, `${two}:refs/heads/main`); // loose, shadowing the packed line
    const unborn = await make('unborn-head');
    await git(work, 'push', '-q', unborn, `${two}:refs/heads/other`);
    const detached = await make('detached');
    await git(work, 'push', '-q', detached, `${two}:refs/heads/main`);
    await git(detached, 'update-ref', '--no-deref', 'HEAD', one);
    const tagged = await make('tagged');
    await git(work, 'tag', '-a', '-m', 'v1', 'v1', one);
    await git(work, 'push', '-q', tagged, `${two}:refs/heads/main`, 'refs/tags/v1:refs/tags/v1');
    return out;
  }

  it('ls-refs: every layout, every argument combination: the same bytes, or declined (only where peeling may be needed)', async () => {
    const prefixSets = [[], ['HEAD'], ['refs/heads/main'], ['refs/heads/feature'], ['refs/heads/nope'], ['refs/heads/main', 'refs/tags/']];
    let compared = 0;
    let declined = 0;
    for (const { name, bare } of await layouts()) {
      const list = await readAllRefsFromFiles(bare);
      expect(list, name).toBeDefined();
      for (const prefixes of prefixSets) {
        for (const flags of [[], ['peel', 'symrefs', 'unborn'], ['symrefs'], ['unborn', 'symrefs']]) {
          const body =
            pktLine('command=ls-refs\n') + pktLine('object-format=sha1\n') + '0001' +
            flags.map((f) => pktLine(`${f}\n`)).join('') + prefixes.map((p) => pktLine(`ref-prefix ${p}\n`)).join('') + '0000';
          const args = parseLsRefsRequest(Buffer.from(body));
          expect(args).toBeDefined();
          const ours = lsRefsResponse(list!, args!);
          if (ours === undefined) {
            declined++;
            expect(['tagged', 'detached']).toContain(name); // a tag, or a HEAD that names no branch
            expect(flags).toContain('peel');
            continue;
          }
          expect(ours, `${name} ${flags.join(',')} ${prefixes.join(',')}`).toBe(await realLsRefs(bare, body));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(0);
  });

  it('v0 fetch advertisement: the same bytes as upload-pack behind git http-backend, or declined where HEAD or a tag needs git', async () => {
    const declined: string[] = [];
    for (const { name, bare } of await layouts()) {
      const real = (await runGit(['upload-pack', '--advertise-refs', '--stateless-rpc', bare], { cwd: bare })).stdout;
      const caps = capabilitiesOf(Buffer.from(real));
      const list = await readAllRefsFromFiles(bare);
      // caps as they were captured from another repository whose HEAD named main
      const ours = uploadPackAdvertisement(list!, (caps ?? 'symref=HEAD:refs/heads/main').replace(/symref=HEAD:\S+/, 'symref=HEAD:refs/heads/main'));
      if (ours === undefined) declined.push(name);
      else expect(ours, name).toBe(`001e# service=git-upload-pack\n0000${real}`);
    }
    expect(declined.sort()).toEqual(['detached', 'empty', 'tagged', 'unborn-head']);
  });

  it('push advertisement: the same bytes as receive-pack behind git http-backend, in every layout', async () => {
    for (const { name, bare } of await layouts()) {
      const real = (await runGit(['receive-pack', '--advertise-refs', '--stateless-rpc', bare], { cwd: bare })).stdout;
      const caps = capabilitiesOf(Buffer.from(real));
      expect(caps, name).toMatch(/report-status/);
      const list = await readAllRefsFromFiles(bare);
      expect(receivePackAdvertisement(list!.refs, caps!), name).toBe(`001f# service=git-receive-pack\n0000${real}`);
    }
  });
});
