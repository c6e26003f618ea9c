// The container of a workload: image, command and args, env, ports, secrets, and the one-call
// containers[] with k8s-style resources.
import { isMap, isScalar } from 'yaml';
import type { Container, EnvVar, Port, SecretRef } from './model.js';
import { commandSecret } from './secret-scan.js';
import type { DocReader, Val } from '../doc/yaml-reader.js';
import { parseQuantity } from '../util/quantity.js';
import { CONTAINER_FIELDS, CONTAINER_RESOURCES_FIELDS, PORT_FIELDS, PROTOCOLS, SECRET_FIELDS } from './fields.js';
import { DNS_SUBDOMAIN_RE, ENV_NAME_RE, SECRET_NAME_RE, HOSTNAME_RE, IMAGE_RE } from '../doc/patterns.js';
import { deviceEnvProblem } from './device-env.js';
import { readDnsLabel } from './read-names.js';

export function readEnv(r: DocReader, v: Val): EnvVar[] | undefined {
  const items = r.list(v);
  if (!items) return undefined;
  const out: EnvVar[] = [];
  const seen = new Set<string>();
  let ok = true;
  for (const it of items) {
    let name: string | undefined;
    let value: string | undefined;
    if (it.node && isMap(it.node)) {
      const f = r.map(it, ['name', 'value']);
      const nv = f && r.need(f, 'name');
      const vv = f && r.opt(f, 'value');
      name = nv ? r.str(nv, { max: 256 }) : undefined;
      value = vv ? r.str(vv, { coerce: true }) : '';
      if (name === undefined || value === undefined) {
        ok = false;
        continue;
      }
    } else {
      const s = r.str(it, { multiline: true });
      if (s === undefined) {
        ok = false;
        continue;
      }
      const eq = s.indexOf('=');
      if (eq <= 0) {
        r.error(it, 'bad-env', `${JSON.stringify(s.slice(0, 60))} is not KEY=value`, 'write "NAME=value"; the value may be empty and may contain "="');
        ok = false;
        continue;
      }
      name = s.slice(0, eq);
      value = s.slice(eq + 1);
    }
    if (!ENV_NAME_RE.test(name)) {
      const fixed = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
      r.error(it, 'bad-env-name', `${JSON.stringify(name)} is not a valid variable name (^[A-Z_][A-Z0-9_]*$)`, ENV_NAME_RE.test(fixed) ? `did you mean "${fixed}"?` : undefined);
      ok = false;
      continue;
    }
    if (/[\r\n]/.test(value)) {
      r.error(it, 'multiline-value', `the value of ${name} contains a line break`, 'environment values are single-line; mount a file for multi-line content');
      ok = false;
      continue;
    }
    const device = deviceEnvProblem(name, value);
    if (device) {
      r.error(it, 'device-env', device.message, device.hint);
      ok = false;
      continue;
    }
    if (SECRET_NAME_RE.test(name) && value !== '' && !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value)) {
      // Secret values never enter the repo: credentials come from an existing Secret.
      r.error(
        it,
        'secret-in-repo',
        `${name} looks like a credential and its value would be committed to Git`,
        `reference an existing Secret instead: secrets: [{name: <secret>, env: ${name}}] (or pass "\${${name}}" through literally)`,
      );
      ok = false;
      continue;
    }
    if (seen.has(name)) {
      r.error(it, 'duplicate-item', `${name} is set twice`);
      ok = false;
      continue;
    }
    seen.add(name);
    out.push({ name, value });
  }
  return ok ? out : undefined;
}

export function readPorts(r: DocReader, v: Val): Port[] | undefined {
  const items = r.list(v, { max: 100 });
  if (!items) return undefined;
  const out: Port[] = [];
  let ok = true;
  const seen = new Set<string>();
  for (const it of items) {
    const f = r.map(it, PORT_FIELDS);
    if (!f) {
      ok = false;
      continue;
    }
    const pv = r.need(f, 'port');
    const port = pv ? r.int(pv, { min: 1, max: 65535 }) : undefined;
    const protoV = r.opt(f, 'protocol');
    const protocol = protoV ? r.enumOf(protoV, PROTOCOLS, { caseInsensitive: true }) : 'TCP';
    const exV = r.opt(f, 'expose');
    const expose = exV ? r.bool(exV) : false;
    const dV = r.opt(f, 'domain');
    const domain = dV ? r.str(dV, { pattern: HOSTNAME_RE, patternName: 'a host name', hint: 'e.g. "llama.example.com"', max: 253 }) : undefined;
    const tlsV = r.opt(f, 'tls');
    const tls = tlsV ? r.bool(tlsV) : false;
    if (port === undefined || protocol === undefined || expose === undefined || (dV && domain === undefined) || tls === undefined) {
      ok = false;
      continue;
    }
    const key = `${port}/${protocol}`;
    if (seen.has(key)) {
      r.error(it, 'duplicate-item', `port ${key} is listed twice`);
      ok = false;
      continue;
    }
    seen.add(key);
    if (domain !== undefined && !expose) r.warn(dV!, 'domain-without-expose', 'a domain only matters for an exposed port', 'add expose: true');
    const p: Port = { port, protocol, expose };
    if (domain !== undefined) p.domain = domain;
    if (tls) {
      if (domain === undefined) r.warn(tlsV!, 'tls-without-domain', 'TLS is served by the Ingress, which needs a domain', 'add domain: <host name>');
      p.tls = true;
    }
    out.push(p);
  }
  return ok ? out : undefined;
}

/**
 * The `commands` rule (README "commands"), chosen so the seeds mean what they say:
 *  - one string containing whitespace → a shell line: command ["/bin/sh", "-c", s];
 *  - a list whose first element starts with "-" → arguments for the image's entrypoint (args);
 *  - otherwise → the argv of the command (command), no shell involved.
 */
export function resolveCommands(list: string[]): { command?: string[]; args?: string[] } {
  if (list.length === 0) return {};
  const first = list[0]!;
  if (list.length === 1 && /\s/.test(first.trim())) return { command: ['/bin/sh', '-c', first] };
  if (first.startsWith('-')) return { args: list };
  return { command: list };
}

export function readStringList(r: DocReader, v: Val, opts: { multiline?: boolean; min?: number } = {}): string[] | undefined {
  if (v.node && isScalar(v.node) && typeof v.node.value === 'string') {
    r.error(v, 'wrong-type', 'expected a list of strings, got a single string', `write it as a list: [${JSON.stringify(v.node.value.slice(0, 60))}]`);
    return undefined;
  }
  const items = r.list(v, opts.min !== undefined ? { min: opts.min } : {});
  if (!items) return undefined;
  const out: string[] = [];
  let ok = true;
  for (const it of items) {
    const s = r.str(it, { coerce: true, multiline: opts.multiline ?? false });
    if (s === undefined) ok = false;
    else out.push(s);
  }
  // commands and args: a credential written here would be committed to Git
  const found = ok ? commandSecret(out) : undefined;
  if (found) {
    r.error(v, 'secret-in-repo', `the command carries ${found}; it would be committed to Git`, 'reference a Secret through the environment instead: secrets: [{name: <secret>, env: NAME}] and "$NAME" in the command');
    return undefined;
  }
  return ok ? out : undefined;
}

export function readImage(r: DocReader, v: Val): string | undefined {
  const s = r.str(v, { max: 512, pattern: IMAGE_RE, patternName: 'a container image reference', hint: 'e.g. "nvcr.io/nvidia/pytorch:23.10-py3"' });
  return s;
}

export function readSecrets(r: DocReader, v: Val): SecretRef[] | undefined {
  const items = r.list(v, { max: 100 });
  if (!items) return undefined;
  const out: SecretRef[] = [];
  let ok = true;
  for (const it of items) {
    const f = r.map(it, SECRET_FIELDS);
    const nV = f && r.need(f, 'name');
    const eV = f && r.need(f, 'env');
    const name = nV ? r.str(nV, { pattern: DNS_SUBDOMAIN_RE, patternName: 'the name of a Secret', max: 253 }) : undefined;
    const env = eV ? r.str(eV, { pattern: ENV_NAME_RE, patternName: 'an environment variable name (^[A-Z_][A-Z0-9_]*$)' }) : undefined;
    if (name === undefined || env === undefined) {
      ok = false;
      continue;
    }
    const device = deviceEnvProblem(env, undefined);
    if (device) {
      r.error(eV!, 'device-env', device.message, device.hint);
      ok = false;
      continue;
    }
    if (out.some((s) => s.env === env)) {
      r.error(eV!, 'duplicate-item', `${env} is set by two secrets`);
      ok = false;
      continue;
    }
    out.push({ name, env });
  }
  return ok ? out : undefined;
}

export interface ContainerRequests {
  /** Sum of GPU requests over vendor resource names (nvidia.com/gpu, amd.com/gpu, …). */
  gpu?: number;
  cpu?: string;
  memory?: string;
  at: Val;
}

/** One-call `containers[]`: argv `command`, optional `args`, k8s-style `resources.requests/limits`. */
export function readContainers(r: DocReader, v: Val): { containers: Container[]; requests: ContainerRequests[] } | undefined {
  const items = r.list(v, { min: 1, max: 20 });
  if (!items) return undefined;
  const containers: Container[] = [];
  const requests: ContainerRequests[] = [];
  let ok = true;
  const names = new Set<string>();
  for (const it of items) {
    const f = r.map(it, CONTAINER_FIELDS);
    if (!f) {
      ok = false;
      continue;
    }
    const nV = r.need(f, 'name');
    const name = nV ? readDnsLabel(r, nV, 'container name') : undefined;
    const iV = r.need(f, 'image');
    const image = iV ? readImage(r, iV) : undefined;
    const cV = r.opt(f, 'command');
    const command = cV ? readStringList(r, cV, { multiline: true }) : undefined;
    const aV = r.opt(f, 'args');
    const args = aV ? readStringList(r, aV, { multiline: true }) : undefined;
    const resV = r.opt(f, 'resources');
    let req: ContainerRequests | undefined;
    if (resV) {
      const rf = r.map(resV, CONTAINER_RESOURCES_FIELDS);
      if (!rf) ok = false;
      for (const which of ['requests', 'limits'] as const) {
        const qv = rf && r.opt(rf, which);
        if (!qv) continue;
        const m = readResourceMap(r, qv);
        if (!m) ok = false;
        else if (which === 'requests' || !req) req = { ...m, at: qv };
      }
    }
    if (name === undefined || image === undefined || (cV && !command) || (aV && !args)) {
      ok = false;
      continue;
    }
    if (names.has(name)) {
      r.error(nV!, 'duplicate-item', `container ${name} is defined twice`);
      ok = false;
      continue;
    }
    names.add(name);
    const c: Container = { name, image };
    if (command && command.length) c.command = command;
    if (args && args.length) c.args = args;
    containers.push(c);
    if (req) requests.push(req);
  }
  return ok ? { containers, requests } : undefined;
}

const RESOURCE_NAME_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;

function readResourceMap(r: DocReader, v: Val): Omit<ContainerRequests, 'at'> | undefined {
  if (!v.node || !isMap(v.node)) {
    r.error(v, 'wrong-type', 'expected an object of resource quantities, e.g. {"nvidia.com/gpu": "1"}');
    return undefined;
  }
  const out: Omit<ContainerRequests, 'at'> = {};
  let ok = true;
  for (const pair of v.node.items) {
    const k = pair.key && isScalar(pair.key) ? pair.key.value : undefined;
    const path = `${v.path}.${String(k)}`;
    if (typeof k !== 'string' || !RESOURCE_NAME_RE.test(k)) {
      r.report('error', pair.key as never, path, 'bad-key', `${JSON.stringify(k)} is not a resource name`);
      ok = false;
      continue;
    }
    const q = r.quantity({ node: pair.value as never, path, key: pair.key as never });
    if (q === undefined) {
      ok = false;
      continue;
    }
    if (k === 'cpu') out.cpu = q;
    else if (k === 'memory') out.memory = q;
    else if (k.endsWith('/gpu')) out.gpu = (out.gpu ?? 0) + (parseQuantity(q) ?? 0);
  }
  return ok ? out : undefined;
}
