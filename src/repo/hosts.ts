import type { Diagnostic } from '../diagnostics.js';
import type { Tenant } from '../config/model.js';
import type { Intent } from '../intent/model.js';

/**
 * Ingress hosts belong to one intent: a host is unique across the repo, a wildcard host
 * (`*.example.com`, which an Ingress matches against one more label) needs its tenant to allow it
 * in `allowed_wildcard_hosts`, and it conflicts with every other intent's host it covers. Each
 * problem is an error on every file involved, naming the others, at the domain in the file. Pure.
 */
interface HostCheckInput {
  intent: Intent;
  /** The file's text, to place the error at the domain. */
  text: string;
}

function positionOf(text: string, needle: string): { line: number; column: number } | undefined {
  const i = text.indexOf(needle);
  if (i < 0) return undefined;
  let line = 1;
  let last = -1;
  for (let k = text.indexOf('\n'); k >= 0 && k < i; k = text.indexOf('\n', k + 1)) {
    line++;
    last = k;
  }
  return { line, column: i - last };
}

function diag(file: string, text: string, host: string, code: string, message: string, hint: string): Diagnostic {
  const pos = positionOf(text, host) ?? { line: 0, column: 0 };
  return { severity: 'error', file, line: pos.line, column: pos.column, path: '', code, message, hint };
}

/** The wildcard that covers `host` (`a.example.com` → `*.example.com`), if any label is left. */
function parentWildcard(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 && host.indexOf('.', dot + 1) > 0 ? `*${host.slice(dot)}` : undefined;
}

/** Errors, and the intents they reject (which must not be rendered). */
export function checkHosts(inputs: readonly HostCheckInput[], tenants: ReadonlyMap<string, Tenant>): { diagnostics: Diagnostic[]; rejected: Set<Intent> } {
  const diagnostics: Diagnostic[] = [];
  const rejected = new Set<Intent>();
  const claims = new Map<string, HostCheckInput[]>();
  for (const inp of inputs) {
    const hosts = new Set((inp.intent.spec.workload?.ports ?? []).flatMap((p) => (p.domain ? [p.domain] : [])));
    for (const host of [...hosts].sort()) {
      if (host.startsWith('*.') && !(tenants.get(inp.intent.tenant)?.allowed_wildcard_hosts ?? []).includes(host)) {
        diagnostics.push(diag(inp.intent.file, inp.text, host, 'wildcard-host', `wildcard host ${host} is not allowed for tenant ${inp.intent.tenant}`, `an admin lists it in tenants/${inp.intent.tenant}.yaml allowed_wildcard_hosts, or use a plain host`));
        rejected.add(inp.intent);
        continue;
      }
      const list = claims.get(host);
      if (list) list.push(inp);
      else claims.set(host, [inp]);
    }
  }
  // who else claims each host: the same host, or a wildcard covering it (both directions)
  const conflicts = new Map<HostCheckInput, Map<string, Set<string>>>();
  const note = (a: HostCheckInput, host: string, other: HostCheckInput): void => {
    if (a === other) return;
    let byHost = conflicts.get(a);
    if (!byHost) conflicts.set(a, (byHost = new Map()));
    let files = byHost.get(host);
    if (!files) byHost.set(host, (files = new Set()));
    files.add(other.intent.file);
  };
  for (const [host, list] of claims) {
    for (const a of list) for (const b of list) note(a, host, b);
    const w = host.startsWith('*.') ? undefined : parentWildcard(host);
    const wl = w !== undefined ? claims.get(w) : undefined;
    if (wl) {
      for (const a of list) {
        for (const b of wl) {
          note(a, host, b);
          note(b, w!, a);
        }
      }
    }
  }
  for (const [inp, byHost] of conflicts) {
    for (const [host, files] of [...byHost].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      const others = [...files].sort();
      diagnostics.push(diag(inp.intent.file, inp.text, host, 'duplicate-host', `host ${host} is also claimed by ${others.join(', ')}`, 'an Ingress host belongs to one intent; use another host name'));
    }
    rejected.add(inp.intent);
  }
  return { diagnostics, rejected };
}
