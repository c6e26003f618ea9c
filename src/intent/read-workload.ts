import { isMap, isScalar } from 'yaml';
import type { Batch, Container, EnvVar, GpuRequest, Port, Scaling, SecretRef, Volume, WorkloadType } from './model.js';
import { commandSecret } from './secret-scan.js';
import type { DocReader, Fields, Val } from '../doc/yaml-reader.js';
import { parseQuantity } from '../util/quantity.js';
import {
  ARCHITECTURES,
  BATCH_FIELDS,
  COMMUNICATION_PATTERNS,
  COMPLETION_POLICIES,
  COMPUTE_CAPABILITY_RE,
  CONTAINER_FIELDS,
  CONTAINER_RESOURCES_FIELDS,
  DEPLOYMENT_STRATEGIES,
  DNS_LABEL_RE,
  DNS_SUBDOMAIN_RE,
  ENV_NAME_RE,
  SECRET_NAME_RE,
  GPU_ALIASES,
  GPU_FIELDS,
  GPU_MODEL_RE,
  GPU_VENDORS,
  HOSTNAME_RE,
  IMAGE_RE,
  INTERCONNECTS,
  PORT_FIELDS,
  PROTOCOLS,
  SCALING_FIELDS,
  SECRET_FIELDS,
  STORAGE_FIELDS,
  TIERS,
  TOPOLOGIES,
  VOLUME_FIELDS,
  VOLUME_SOURCE_FIELDS,
  VOLUME_SOURCE_TYPES,
  VOLUME_TYPES,
  WORKLOAD_TYPES,
} from './fields.js';
import { deviceEnvProblem } from './device-env.js';

export const DNS_LABEL = { pattern: DNS_LABEL_RE, patternName: 'a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)', max: 63 } as const;

export function readDnsLabel(r: DocReader, v: Val, what = 'name'): string | undefined {
  const s = r.str(v, { ...DNS_LABEL, hint: `use a ${what} like "llama-inference"` });
  if (s === undefined) return undefined;
  return s;
}

export function readWorkloadType(r: DocReader, v: Val): WorkloadType | undefined {
  const t = r.enumOf(v, WORKLOAD_TYPES, { caseInsensitive: true });
  if (t === undefined) return undefined;
  return t === 'service' || t === 'deployment' ? 'service' : 'batch';
}

/** Per-GPU requirements; `any` for a trait leaves it unset. */
export function readGpu(r: DocReader, v: Val | undefined): GpuRequest | undefined {
  const g: GpuRequest = { count: 1, shared: false, interruptible: false, multi_instance: false, dedicated: false };
  if (!v) return g;
  const f = r.map(v, GPU_FIELDS, GPU_ALIASES);
  if (!f) return undefined;
  let ok = true;
  const fail = () => {
    ok = false;
    return undefined;
  };
  const model = r.opt(f, 'model');
  if (model) {
    const s = r.str(model, { max: 64 });
    if (s === undefined) fail();
    else if (s.toLowerCase() === 'any') {
      /* any model */
    } else if (!GPU_MODEL_RE.test(s)) {
      const lower = s.toLowerCase().replace(/[\s_]+/g, '-');
      r.error(model, 'bad-format', `${JSON.stringify(s)} is not a GPU model name`, GPU_MODEL_RE.test(lower) ? `write it lowercase and vendor-prefixed: "${lower}"` : 'use a vendor-prefixed lowercase model such as "nvidia-a100" or "any"');
      fail();
    } else {
      if (!GPU_VENDORS.some((p) => s.startsWith(p + '-'))) {
        r.warn(model, 'unknown-vendor', `${JSON.stringify(s)} has no known vendor prefix (${GPU_VENDORS.join(', ')})`, 'models are written vendor-prefixed, e.g. "nvidia-a100", "amd-mi300x"');
      }
      g.model = s;
    }
  }
  const count = r.opt(f, 'count');
  if (count) {
    const n = r.int(count, { min: 1, max: 1024 });
    if (n === undefined) fail();
    else g.count = n;
  }
  for (const k of ['memory_min', 'memory_max'] as const) {
    const mv = r.opt(f, k);
    if (!mv) continue;
    const q = r.quantity(mv, '"40Gi"');
    if (q === undefined) fail();
    else g[k] = q;
  }
  if (g.memory_min && g.memory_max && parseQuantity(g.memory_min)! > parseQuantity(g.memory_max)!) {
    r.error(f.get('memory_max')!, 'min-greater-than-max', `memory_max ${g.memory_max} is less than memory_min ${g.memory_min}`);
    fail();
  }
  for (const k of ['cores_min', 'cores_max'] as const) {
    const cv = r.opt(f, k);
    if (!cv) continue;
    const n = r.int(cv, { min: 1 });
    if (n === undefined) fail();
    else g[k] = n;
  }
  if (g.cores_min !== undefined && g.cores_max !== undefined && g.cores_min > g.cores_max) {
    r.error(f.get('cores_max')!, 'min-greater-than-max', `cores_max ${g.cores_max} is less than cores_min ${g.cores_min}`);
    fail();
  }
  const clock = r.opt(f, 'clock_speed_min');
  if (clock) {
    const q = r.quantity(clock, '"1.5G" (GHz)');
    if (q === undefined) fail();
    else g.clock_speed_min = q;
  }
  const cc = r.opt(f, 'compute_capability');
  if (cc) {
    const s = r.str(cc, { coerce: true, pattern: COMPUTE_CAPABILITY_RE, patternName: 'a compute capability', hint: 'e.g. "8.0", "9.0" or "any"' });
    if (s === undefined) fail();
    else if (s !== 'any') g.compute_capability = s;
  }
  const traits: [('architecture' | 'tier' | 'interconnect' | 'topology'), readonly string[]][] = [
    ['architecture', ARCHITECTURES],
    ['tier', TIERS],
    ['interconnect', INTERCONNECTS],
    ['topology', TOPOLOGIES],
  ];
  for (const [k, values] of traits) {
    const tv = r.opt(f, k);
    if (!tv) continue;
    const s = r.enumOf(tv, values, { caseInsensitive: true });
    if (s === undefined) fail();
    else if (s !== 'any') g[k] = s;
  }
  for (const k of ['shared', 'interruptible', 'multi_instance', 'dedicated'] as const) {
    const bv = r.opt(f, k);
    if (!bv) continue;
    const b = r.bool(bv);
    if (b === undefined) fail();
    else g[k] = b;
  }
  const tf = r.opt(f, 'fp32_tflops');
  if (tf) {
    const n = r.num(tf, { min: 0 });
    if (n === undefined) fail();
    else g.fp32_tflops = n;
  }
  const eff = r.opt(f, 'multi_gpu_efficiency');
  if (eff) {
    const n = r.num(eff, { min: 0, max: 1 });
    if (n === undefined) fail();
    else g.multi_gpu_efficiency = n;
  }
  return ok ? g : undefined;
}

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

export function readVolumes(r: DocReader, v: Val): Volume[] | undefined {
  const sf = r.map(v, STORAGE_FIELDS);
  if (!sf) return undefined;
  const vv = r.opt(sf, 'volumes');
  if (!vv) return [];
  const items = r.list(vv, { max: 100 });
  if (!items) return undefined;
  const out: Volume[] = [];
  let ok = true;
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const it of items) {
    const f = r.map(it, VOLUME_FIELDS);
    if (!f) {
      ok = false;
      continue;
    }
    const nV = r.need(f, 'name');
    const name = nV ? readDnsLabel(r, nV, 'volume name') : undefined;
    const sV = r.need(f, 'size');
    const size = sV ? r.quantity(sV, '"100Gi"') : undefined;
    const tV = r.need(f, 'type', `one of ${VOLUME_TYPES.join(', ')}`);
    const type = tV ? r.enumOf(tV, VOLUME_TYPES) : undefined;
    const pV = r.need(f, 'path');
    const path = pV ? r.str(pV, { pattern: /^\/[^\0]*$/, patternName: 'an absolute path', hint: 'e.g. "/data"', max: 1024 }) : undefined;
    if (pV && path !== undefined && path.split('/').includes('..')) {
      r.error(pV, 'bad-format', 'the path must not contain ".."');
      ok = false;
    }
    let source: Volume['source'];
    const srcV = r.opt(f, 'source');
    if (srcV) {
      const sf2 = r.map(srcV, VOLUME_SOURCE_FIELDS);
      const stV = sf2 && r.need(sf2, 'type');
      const st = stV ? r.enumOf(stV, VOLUME_SOURCE_TYPES) : undefined;
      const uV = sf2 && r.need(sf2, 'uri');
      const uri = uV ? r.str(uV, { pattern: /^(s3|gs|gcs|az|azure|abfss?|wasbs?|https?):\/\/\S+$/, patternName: 'a storage URI', hint: 'e.g. "s3://bucket/prefix"', max: 2048 }) : undefined;
      if (uri !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/.test(uri)) {
        r.error(uV!, 'secret-in-repo', 'the URI carries credentials (user:password@) that would be committed to Git', 'drop them from the URI and name a Secret in source.credentials');
        ok = false;
      }
      const cV = sf2 && r.opt(sf2, 'credentials');
      const cred = cV ? r.str(cV, { pattern: DNS_SUBDOMAIN_RE, patternName: 'the name of a Secret', hint: 'name an existing Secret; credentials never go in the repo', max: 253 }) : undefined;
      if (st === undefined || uri === undefined || (cV && cred === undefined)) ok = false;
      else {
        source = { type: st, uri };
        if (cred !== undefined) source.credentials = cred;
      }
    }
    if (name === undefined || size === undefined || type === undefined || path === undefined) {
      ok = false;
      continue;
    }
    if (names.has(name)) {
      r.error(nV!, 'duplicate-item', `volume ${name} is defined twice`);
      ok = false;
    }
    if (paths.has(path)) {
      r.error(pV!, 'duplicate-item', `two volumes are mounted at ${path}`);
      ok = false;
    }
    names.add(name);
    paths.add(path);
    const vol: Volume = { name, size, type, path };
    if (source) vol.source = source;
    out.push(vol);
  }
  return ok ? out : undefined;
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

export function readScaling(r: DocReader, v: Val | undefined): Scaling | undefined {
  const s: Scaling = { min_replicas: 1, max_replicas: 10, auto_scale: false, target_cpu_percent: 70, target_gpu_percent: 80 };
  if (!v) return s;
  const f = r.map(v, SCALING_FIELDS);
  if (!f) return undefined;
  let ok = true;
  const minV = r.opt(f, 'min_replicas');
  const maxV = r.opt(f, 'max_replicas');
  if (minV) {
    const n = r.int(minV, { min: 1, max: 1000 });
    if (n === undefined) ok = false;
    else s.min_replicas = n;
  }
  if (maxV) {
    const n = r.int(maxV, { min: 1, max: 1000 });
    if (n === undefined) ok = false;
    else s.max_replicas = n;
  } else s.max_replicas = Math.max(s.max_replicas, s.min_replicas);
  if (ok && s.min_replicas > s.max_replicas) {
    r.error(maxV!, 'min-greater-than-max', `max_replicas ${s.max_replicas} is less than min_replicas ${s.min_replicas}`);
    ok = false;
  }
  const a = r.opt(f, 'auto_scale');
  if (a) {
    const b = r.bool(a);
    if (b === undefined) ok = false;
    else s.auto_scale = b;
  }
  for (const k of ['target_cpu_percent', 'target_gpu_percent'] as const) {
    const tv = r.opt(f, k);
    if (!tv) continue;
    const n = r.int(tv, { min: 1, max: 100 });
    if (n === undefined) ok = false;
    else s[k] = n;
  }
  return ok ? s : undefined;
}

export function readBatch(r: DocReader, v: Val | undefined): Batch | undefined {
  const b: Batch = { parallel_tasks: 1, max_retries: 3, completion_policy: 'All' };
  if (!v) return b;
  const f = r.map(v, BATCH_FIELDS);
  if (!f) return undefined;
  let ok = true;
  const pt = r.opt(f, 'parallel_tasks');
  if (pt) {
    const n = r.int(pt, { min: 1, max: 100_000 });
    if (n === undefined) ok = false;
    else b.parallel_tasks = n;
  }
  const mr = r.opt(f, 'max_retries');
  if (mr) {
    const n = r.int(mr, { min: 0, max: 1000 });
    if (n === undefined) ok = false;
    else b.max_retries = n;
  }
  const to = r.opt(f, 'timeout');
  if (to) {
    const n = r.duration(to);
    if (n === undefined) ok = false;
    else if (n <= 0) {
      r.error(to, 'out-of-range', 'the timeout must be longer than 0');
      ok = false;
    } else b.timeout = n;
  }
  const cp = r.opt(f, 'completion_policy');
  if (cp) {
    const p = r.enumOf(cp, COMPLETION_POLICIES, { caseInsensitive: true });
    if (p === undefined) ok = false;
    else b.completion_policy = p;
  }
  return ok ? b : undefined;
}

export function readEnumField<T extends string>(r: DocReader, f: Fields, name: string, values: readonly T[]): T | undefined | null {
  const v = r.opt(f, name);
  if (!v) return null;
  return r.enumOf(v, values);
}

export { DEPLOYMENT_STRATEGIES, COMMUNICATION_PATTERNS };

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
