import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { RepoModel } from './model.js';
import { extractSignature } from '../status/signature-text.js';

interface StatusSignatureInfo {
  file: string;
  intent: string;
  /** Key id of the signature the file carries; undefined when unsigned. Not verified: render and validate hold no key. */
  key_id?: string;
}

const EXTS = ['.yaml', '.yml', '.json'];

/**
 * Whether each status the renderer uses carries a signature. `flare render` and `flare validate`
 * are key-less, so they cannot tell a genuine signature from a forged one; they only say which
 * files the reconciler will certainly refuse (the unsigned ones).
 */
export async function statusSignatures(repoDir: string, model: RepoModel): Promise<StatusSignatureInfo[]> {
  const out: StatusSignatureInfo[] = [];
  for (const intent of model.intents) {
    if (!model.statuses.has(intent.id)) continue;
    for (const ext of EXTS) {
      const file = `status/${intent.tenant}/${intent.name}${ext}`;
      let text: string;
      try {
        text = await readFile(path.join(repoDir, file), 'utf8');
      } catch {
        continue;
      }
      const sig = extractSignature(text);
      const info: StatusSignatureInfo = { file, intent: intent.id };
      if (sig) info.key_id = sig.key_id;
      out.push(info);
      break;
    }
  }
  return out;
}

export function signatureNote(s: StatusSignatureInfo): Diagnostic {
  const d: Diagnostic = {
    severity: 'info',
    file: s.file,
    line: 0,
    column: 0,
    path: 'signature',
    code: s.key_id ? 'status-signed' : 'status-unsigned',
    message: s.key_id
      ? `signed with key ${s.key_id} (only the reconciler can verify it)`
      : 'not signed: rendered here as written, but the reconciler treats it as absent (stage A only) and replaces it',
  };
  return d;
}

export function signatureSummary(list: readonly StatusSignatureInfo[]): string {
  const unsigned = list.filter((s) => !s.key_id);
  const head = `status: ${list.length - unsigned.length} signed, ${unsigned.length} unsigned (signatures are verified by the reconciler only)`;
  return unsigned.length === 0 ? head : `${head}; unsigned: ${unsigned.map((s) => s.file).join(', ')}`;
}
