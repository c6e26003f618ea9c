import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { statusFileText } from '../../src/reconcile/cycle.js';
import { dropUntrustedStatuses } from '../../src/reconcile/trust.js';
import { parseRepo } from '../../src/repo/parse.js';
import { parseStatus } from '../../src/status/parse.js';
import type { IntentStatus } from '../../src/status/model.js';
import { canonicalJson, makeKeyring, signStatus, verifyStatus } from '../../src/status/signature.js';
import { extractSignature } from '../../src/status/signature-text.js';
import { REPO_ROOT } from '../reconcile/harness.js';

const K1 = makeKeyring([['key-a', Buffer.alloc(32, 1)]])!;
const K2 = makeKeyring([['key-a', Buffer.alloc(32, 1)], ['key-b', Buffer.alloc(32, 2)]])!;
const OTHER = makeKeyring([['key-a', Buffer.alloc(32, 9)]])!;

function example(): IntentStatus {
  return (parse(readFileSync(path.join(REPO_ROOT, 'status/ml-platform/mistral-chat.yaml'), 'utf8')) as { status: IntentStatus }).status;
}

describe('status signatures', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: undefined, w: 'z' }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"w":"z","y":1}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('verifies its own signature, with the key id of the newest key', () => {
    const s = example();
    expect(signStatus(s, K2).key_id).toBe('key-b');
    expect(verifyStatus(s, s.intent_id, signStatus(s, K1), K1)).toBe('valid');
    // an older key stays valid for verification after rotation
    expect(verifyStatus(s, s.intent_id, signStatus(s, K1), K2)).toBe('valid');
  });

  it('rejects unsigned, foreign-key, edited, other-intent and other-spec-hash statuses', () => {
    const s = example();
    const sig = signStatus(s, K1);
    expect(verifyStatus(s, s.intent_id, undefined, K1)).toBe('unsigned');
    expect(verifyStatus(s, s.intent_id, signStatus(s, OTHER), K1)).toBe('mismatch');
    expect(verifyStatus(s, s.intent_id, { key_id: 'key-zz', hmac_sha256: sig.hmac_sha256 }, K1)).toBe('unknown-key');
    const edited = structuredClone(s);
    edited.placements[0]!.chosen!.hourly_cost = 0.01;
    expect(verifyStatus(edited, s.intent_id, sig, K1)).toBe('mismatch');
    const rehashed = { ...structuredClone(s), spec_hash: 'other' };
    expect(verifyStatus(rehashed, s.intent_id, sig, K1)).toBe('mismatch');
    // a signature copied to another intent's file: the file maps to another id
    expect(verifyStatus({ ...s, intent_id: 'ml-platform-other' }, 'ml-platform-other', sig, K1)).toBe('mismatch');
    expect(verifyStatus(s, s.intent_id, { key_id: 'key-a', hmac_sha256: 'not-hex' }, K1)).toBe('mismatch');
  });

  it('keys shorter than 32 bytes or not named key-<id> are not used', () => {
    expect(makeKeyring([['key-a', Buffer.alloc(16, 1)]])).toBeUndefined();
    expect(makeKeyring([['signing', Buffer.alloc(32, 1)]])).toBeUndefined();
  });

  it('the written file carries the signature, parses, and round-trips through extractSignature', () => {
    const s = example();
    const text = statusFileText(s, K1);
    expect(parseStatus(text, 'status/ml-platform/mistral-chat.yaml').diagnostics).toEqual([]);
    expect(extractSignature(text)).toEqual(signStatus(s, K1));
    expect(extractSignature(statusFileText(s))).toBeUndefined();
    const parsed = parseStatus(text, 'x.yaml').status!;
    expect(verifyStatus(parsed, s.intent_id, extractSignature(text), K1)).toBe('valid');
  });

  it('the status parser rejects a malformed signature block with a located error', () => {
    const text = statusFileText(example(), K1).replace(/hmac_sha256: [0-9a-f]+/, 'hmac_sha256: nope');
    const d = parseStatus(text, 'status/ml-platform/mistral-chat.yaml').diagnostics;
    expect(d.map((x) => [x.path, x.line > 0])).toEqual([['signature.hmac_sha256', true]]);
  });

  it('dropUntrustedStatuses removes exactly the statuses that do not verify', () => {
    const files = ['flare.yaml', 'tenants/ml-platform.yaml', 'intents/ml-platform/mistral-chat.yaml', 'intents/ml-platform/llama2-inference.json'];
    const src = files.map((f) => ({ path: f, text: readFileSync(path.join(REPO_ROOT, f), 'utf8') }));
    const chat = readFileSync(path.join(REPO_ROOT, 'status/ml-platform/mistral-chat.yaml'), 'utf8');
    const llama = readFileSync(path.join(REPO_ROOT, 'status/ml-platform/llama2-inference.yaml'), 'utf8');
    const signedChat = statusFileText((parse(chat) as { status: IntentStatus }).status, K1);
    const statusFiles = new Map([
      ['status/ml-platform/mistral-chat.yaml', signedChat],
      ['status/ml-platform/llama2-inference.yaml', llama],
    ]);
    const model = parseRepo([...src, ...[...statusFiles].map(([p, text]) => ({ path: p, text }))]);
    expect(model.statuses.size).toBe(2);
    const dropped = dropUntrustedStatuses(model, statusFiles, K1);
    expect(dropped).toEqual([{ file: 'status/ml-platform/llama2-inference.yaml', id: 'ml-platform-llama2--inference', verdict: 'unsigned' }]);
    expect([...model.statuses.keys()]).toEqual(['ml-platform-mistral--chat']);
    // a verdict remembered for a file text is not reused under other keys, nor for other text
    const third = parseRepo([...src, ...[...statusFiles].map(([p, text]) => ({ path: p, text }))]);
    expect(dropUntrustedStatuses(third, statusFiles, OTHER).map((u) => u.verdict).sort()).toEqual(['mismatch', 'unsigned']);
    const edited = new Map(statusFiles).set('status/ml-platform/mistral-chat.yaml', signedChat.replace(/hourly_cost: [0-9.]+/, 'hourly_cost: 0.2'));
    const fourth = parseRepo([...src, ...[...edited].map(([p, text]) => ({ path: p, text }))]);
    expect(dropUntrustedStatuses(fourth, edited, K1).map((u) => u.verdict).sort()).toEqual(['mismatch', 'unsigned']);
    // migration: unsigned files are adopted, but never a foreign key's
    const again = parseRepo([...src, ...[...statusFiles].map(([p, text]) => ({ path: p, text }))]);
    expect(dropUntrustedStatuses(again, statusFiles, OTHER, { adoptUnsigned: true }).map((u) => u.verdict)).toEqual(['mismatch']);
  });
});

describe('flare validate and render are key-less but say which statuses are signed', () => {
  it('notes signed and unsigned status files; render still renders both', async () => {
    const { mkdtemp, cp, writeFile, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const { runFlare } = await import('../support/cli.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flare-sig-'));
    try {
      for (const p of ['flare.yaml', 'tenants', 'intents', 'status']) await cp(path.join(REPO_ROOT, p), path.join(dir, p), { recursive: true });
      const chat = readFileSync(path.join(REPO_ROOT, 'status/ml-platform/mistral-chat.yaml'), 'utf8');
      await writeFile(path.join(dir, 'status/ml-platform/mistral-chat.yaml'), statusFileText((parse(chat) as { status: IntentStatus }).status, K1));
      const v = await runFlare(['validate', '--output', 'json'], dir);
      expect(v.code).toBe(0);
      const statuses = (JSON.parse(v.stdout) as { statuses: { file: string; signed: boolean; key_id: string | null }[] }).statuses;
      expect(statuses.find((s) => s.file === 'status/ml-platform/mistral-chat.yaml')).toMatchObject({ signed: true, key_id: 'key-a' });
      expect(statuses.find((s) => s.file === 'status/research/bert-large-training.yaml')).toMatchObject({ signed: false });
      const t = await runFlare(['validate'], dir);
      expect(t.stdout).toMatch(/^status\/research\/bert-large-training\.yaml .*not signed/m);
      const r = await runFlare(['render', '--out', path.join(dir, 'out')], dir);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/status: 1 signed, 4 unsigned/);
      // the signed status renders exactly as the unsigned one did
      expect(readFileSync(path.join(dir, 'out/ml-platform/mistral-chat/reservation-flare-ml-platform-mistral--chat-a1.yaml'), 'utf8')).toBe(
        readFileSync(path.join(REPO_ROOT, 'rendered/ml-platform/mistral-chat/reservation-flare-ml-platform-mistral--chat-a1.yaml'), 'utf8'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
