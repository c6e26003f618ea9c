/**
 * The parts of git's smart-HTTP protocol that only list refs, answered without starting git: a
 * protocol-v2 `ls-refs` and a push's ref advertisement. A reconcile cycle that finds nothing new
 * asks exactly these, and on a slow machine two `git http-backend` processes per request cost
 * more than the cycle's own work. Everything here is pure; anything it does not answer exactly
 * as git would, it declines (undefined), and the real `git upload-pack`/`receive-pack` answers.
 */

export interface RefEntry {
  name: string;
  sha: string;
}

/** A bare repository's refs: HEAD (symbolic or detached) and every ref under refs/, sorted. */
export interface RefList {
  head: { target?: string; sha: string };
  refs: RefEntry[];
}

export type PktLine = { kind: 'data'; text: string } | { kind: 'flush' } | { kind: 'delim' };

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = '0'.repeat(40);
/** git's own limit (ls-refs.c): more prefixes than this and it lists everything. */
const TOO_MANY_PREFIXES = 65536;

export function pktLine(text: string): string {
  const len = Buffer.byteLength(text) + 4;
  if (len > 65520) throw new Error('pkt-line too long');
  return len.toString(16).padStart(4, '0') + text;
}

/** Splits a pkt-line stream; undefined when it is not one (a truncated or malformed length). */
export function parsePktLines(buf: Buffer): PktLine[] | undefined {
  const out: PktLine[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) return undefined;
    const hex = buf.toString('latin1', at, at + 4);
    if (!/^[0-9a-f]{4}$/.test(hex)) return undefined;
    const len = Number.parseInt(hex, 16);
    if (len === 0) out.push({ kind: 'flush' });
    else if (len === 1) out.push({ kind: 'delim' });
    else if (len < 4 || at + len > buf.length) return undefined;
    else out.push({ kind: 'data', text: buf.toString('utf8', at + 4, at + len) });
    at += len < 4 ? 4 : len;
  }
  return out;
}

export interface LsRefsArgs {
  peel: boolean;
  symrefs: boolean;
  unborn: boolean;
  prefixes: string[];
}

/**
 * A protocol-v2 request body that is exactly one plain `ls-refs` command, or undefined: another
 * command, an argument or capability this module does not know, a non-sha1 object format.
 */
export function parseLsRefsRequest(body: Buffer): LsRefsArgs | undefined {
  const lines = parsePktLines(body);
  if (!lines || lines.length < 2) return undefined;
  const first = lines[0]!;
  if (first.kind !== 'data' || first.text.replace(/\n$/, '') !== 'command=ls-refs') return undefined;
  const args: LsRefsArgs = { peel: false, symrefs: false, unborn: false, prefixes: [] };
  let section: 'capabilities' | 'arguments' = 'capabilities';
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind === 'flush') return i === lines.length - 1 ? args : undefined;
    if (line.kind === 'delim') {
      if (section === 'arguments') return undefined;
      section = 'arguments';
      continue;
    }
    const text = line.text.replace(/\n$/, '');
    if (section === 'capabilities') {
      if (text.startsWith('agent=') || text.startsWith('session-id=') || text.startsWith('server-option=')) continue;
      if (text === 'object-format=sha1') continue;
      return undefined;
    }
    if (text === 'peel') args.peel = true;
    else if (text === 'symrefs') args.symrefs = true;
    else if (text === 'unborn') args.unborn = true;
    else if (text.startsWith('ref-prefix ') && text.length > 'ref-prefix '.length) args.prefixes.push(text.slice('ref-prefix '.length));
    else return undefined;
  }
  return undefined; // no closing flush: a truncated request
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Sorted as git iterates refs (byte order), so answers match git's byte for byte. */
export function sortRefs(refs: RefEntry[]): RefEntry[] {
  return [...refs].sort((a, b) => compareBytes(a.name, b.name));
}

/**
 * git's answer to `ls-refs` (ls-refs.c: HEAD first, then the refs under the prefixes in order).
 * Undefined when `peel` is asked and a listed ref may be an annotated tag: telling that needs the
 * object database. Branches always hold commits (git refuses anything else there), so a branch
 * and a HEAD that names one never need peeling.
 */
export function lsRefsResponse(list: RefList, args: LsRefsArgs): string | undefined {
  const prefixes = args.prefixes.length > TOO_MANY_PREFIXES ? [] : args.prefixes;
  const matches = (name: string) => prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const lines: string[] = [];
  const { head } = list;
  const headIsBranch = head.target !== undefined && head.target.startsWith('refs/heads/');
  if (matches('HEAD')) {
    if (head.sha) {
      if (args.peel && !headIsBranch) return undefined;
      lines.push(`${head.sha} HEAD${args.symrefs && head.target ? ` symref-target:${head.target}` : ''}`);
    } else if (args.unborn && args.symrefs && head.target) {
      lines.push(`unborn HEAD symref-target:${head.target}`);
    }
  }
  for (const ref of sortRefs(list.refs)) {
    if (!matches(ref.name)) continue;
    if (args.peel && !ref.name.startsWith('refs/heads/')) return undefined;
    lines.push(`${ref.sha} ${ref.name}`);
  }
  return lines.map((l) => pktLine(`${l}\n`)).join('') + '0000';
}

/**
 * The capabilities a real advertisement offered (the text after the NUL of its first ref line),
 * so an advertisement built here offers exactly what the real service would. Undefined when the
 * body is not a ref advertisement.
 */
export function capabilitiesOf(body: Buffer): string | undefined {
  const lines = parsePktLines(body);
  if (!lines) return undefined;
  for (const line of lines) {
    if (line.kind !== 'data' || line.text.startsWith('# service=')) continue;
    const nul = line.text.indexOf('\0');
    return nul === -1 ? undefined : line.text.slice(nul + 1).replace(/\n$/, '');
  }
  return undefined;
}

/**
 * What `git receive-pack --advertise-refs` says over smart HTTP (protocol v0): the service line,
 * then every ref under refs/ (never HEAD), the first carrying the capabilities, or the
 * `capabilities^{}` placeholder when there is no ref yet.
 */
export function receivePackAdvertisement(refs: RefEntry[], capabilities: string): string {
  const sorted = sortRefs(refs);
  const lines =
    sorted.length === 0
      ? [`${ZERO_SHA} capabilities^{}\0${capabilities}\n`]
      : sorted.map((r, i) => `${r.sha} ${r.name}${i === 0 ? `\0${capabilities}` : ''}\n`);
  return pktLine('# service=git-receive-pack\n') + '0000' + lines.map(pktLine).join('') + '0000';
}

/**
 * What `git upload-pack --advertise-refs` says over smart HTTP in protocol v0 (isomorphic-git
 * asks this way): the service line, HEAD carrying the capabilities with its `symref=` naming the
 * current branch, then the refs. Undefined unless HEAD names an existing branch and every ref is
 * a branch (a tag would need its peeled line), or when the real capabilities had no `symref=`.
 */
export function uploadPackAdvertisement(list: RefList, capabilities: string): string | undefined {
  const { head } = list;
  if (!head.sha || !head.target?.startsWith('refs/heads/')) return undefined;
  if (!/(^| )symref=HEAD:\S+/.test(capabilities)) return undefined;
  if (list.refs.some((r) => !r.name.startsWith('refs/heads/'))) return undefined;
  const caps = capabilities.replace(/(^| )symref=HEAD:\S+/, `$1symref=HEAD:${head.target}`);
  const lines = [`${head.sha} HEAD\0${caps}\n`, ...sortRefs(list.refs).map((r) => `${r.sha} ${r.name}\n`)];
  return pktLine('# service=git-upload-pack\n') + '0000' + lines.map(pktLine).join('') + '0000';
}

/** True for a 40-hex object name: what a loose ref file or a packed-refs line must hold. */
export function isSha(text: string): boolean {
  return SHA.test(text);
}

/** A protocol-v2 `ls-refs` request for exactly these ref prefixes (what a fetch of one branch asks). */
export function lsRefsRequest(prefixes: string[], agent: string): string {
  return (
    pktLine('command=ls-refs\n') +
    pktLine(`agent=${agent}\n`) +
    '0001' +
    prefixes.map((p) => pktLine(`ref-prefix ${p}\n`)).join('') +
    '0000'
  );
}

/**
 * The refs in an `ls-refs` answer, or in a protocol-v0 ref advertisement (`# service=` line and
 * flush, then `<sha> <name>[\0caps]` lines). Undefined when the body is neither, or malformed.
 */
export function parseRefLines(body: Buffer): RefEntry[] | undefined {
  const lines = parsePktLines(body);
  if (!lines) return undefined;
  const refs: RefEntry[] = [];
  let i = 0;
  if (lines[0]?.kind === 'data' && lines[0].text.startsWith('# service=')) {
    if (lines[1]?.kind !== 'flush') return undefined;
    i = 2;
  }
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind === 'flush') return i === lines.length - 1 ? refs : undefined;
    if (line.kind !== 'data') return undefined;
    const text = line.text.split('\0')[0]!.replace(/\n$/, '');
    const [sha, name] = text.split(' ');
    if (sha === 'unborn' && name) continue;
    if (!sha || !name || !SHA.test(sha)) return undefined;
    if (name !== 'capabilities^{}') refs.push({ name, sha });
  }
  return undefined;
}

/** True when a v2 capability advertisement (after the `# service=` preamble git may send) offers ls-refs. */
export function offersLsRefs(body: Buffer): boolean {
  const lines = parsePktLines(body);
  if (!lines) return false;
  const data = lines.filter((l): l is { kind: 'data'; text: string } => l.kind === 'data').map((l) => l.text.replace(/\n$/, ''));
  const start = data[0]?.startsWith('# service=') ? 1 : 0;
  return data[start] === 'version 2' && data.slice(start + 1).some((c) => c === 'ls-refs' || c.startsWith('ls-refs='));
}
