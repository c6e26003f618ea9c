import { isMap, isScalar } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import type { FlareConfig, Tenant } from '../config/model.js';
import type { InputShape, Intent, IntentSpec, Objective, Resources, SelectionMode, Workload } from './model.js';
import { OBJECTIVES } from './model.js';
import { RESERVED_LABEL_PREFIXES } from './fields.js';
import { DocReader, Fields, LIMITS, loadDocument } from '../doc/yaml-reader.js';
import type { Val } from '../doc/yaml-reader.js';
import { intentId, intentKey, intentNamespace } from '../k8s/names.js';
import { parseQuantity } from '../util/quantity.js';
import { API_TOP_FIELDS, API_VERSION, BODY_FIELDS, ENVELOPE_FIELDS, METADATA_FIELDS, ONE_CALL_TOP_FIELDS, REQUIREMENTS_FIELDS, RESOURCES_FIELDS, SELECTION_MODES, WORKLOAD_ALIASES, WORKLOAD_FIELDS } from './fields.js';
import { LABEL_KEY_RE, LABEL_VALUE_RE } from '../doc/patterns.js';
import { readConstraints, readSla } from './read-constraints.js';
import { readWorkload } from './read-workload.js';
import type { ContainerRequests } from './read-container.js';
import { DNS_LABEL } from './read-names.js';
import { readGpu } from './read-gpu.js';
import { checkDeviceIndices } from './device-env.js';

interface ParseIntentOptions {
  /** The tenant folder the file lives in. */
  tenant: string;
  config: FlareConfig;
  /** The tenant's definition, when known: its allowed_locations are checked here, with positions. */
  tenantDef?: Tenant;
}

interface ParseIntentResult {
  /** Present only when the file has no errors. */
  intent?: Intent;
  diagnostics: Diagnostic[];
  /** Where the intent's name was written (for cross-file diagnostics such as duplicate names). */
  namePosition?: { line: number; column: number };
}


/**
 * Parses one intent file in any of the three accepted shapes (API body, envelope, the GPU Pooling
 * Guide's one-call form) into the normalized Intent. Pure: text in, model and diagnostics out.
 */
export function parseIntent(text: string, file: string, opts: ParseIntentOptions): ParseIntentResult {
  const { reader: r, root } = loadDocument(text, file);
  if (!root) return { diagnostics: r.diagnostics };
  if (!root.node || !isMap(root.node)) {
    r.error(root, 'wrong-type', 'an intent file holds one object', 'see intents/ for examples of the three accepted shapes');
    return { diagnostics: r.diagnostics };
  }
  const keys = root.node.items.map((p) => (p.key && isScalar(p.key) ? String(p.key.value) : ''));
  const has = (k: string) => keys.includes(k);
  let shape: InputShape;
  if (has('apiVersion') || has('kind') || has('metadata') || has('spec')) shape = 'envelope';
  else if (has('intent')) shape = 'api';
  else if (has('name') || has('requirements') || has('objective')) shape = 'one-call';
  else {
    r.error(root, 'unknown-shape', 'not an intent: expected an envelope (apiVersion, kind: Intent, metadata, spec), an API body ({intent: {...}}) or a one-call body ({name, objective, requirements, workload})');
    return { diagnostics: r.diagnostics };
  }

  let name: string | undefined;
  let nameVal: Val | undefined;
  let body: Fields | undefined;
  let topSelection: Val | undefined;
  const labels: Record<string, string> = {};

  if (shape === 'envelope') {
    const f = r.map(root, ENVELOPE_FIELDS);
    if (!f) return { diagnostics: r.diagnostics };
    const av = r.need(f, 'apiVersion', `apiVersion: ${API_VERSION}`);
    if (av) {
      const s = r.str(av);
      if (s !== undefined && s !== API_VERSION) r.error(av, 'bad-api-version', `apiVersion ${JSON.stringify(s)} is not supported`, `use ${API_VERSION}`);
    }
    const kv = r.need(f, 'kind', 'kind: Intent');
    if (kv) r.enumOf(kv, ['Intent'] as const);
    const mv = r.need(f, 'metadata');
    if (mv) {
      const mf = r.map(mv, METADATA_FIELDS);
      if (mf) {
        nameVal = r.need(mf, 'name');
        const lv = r.opt(mf, 'labels');
        if (lv) readLabels(r, lv, labels, true);
        const anv = r.opt(mf, 'annotations');
        if (anv) readLabels(r, anv, {}, false);
      }
    }
    const sv = r.need(f, 'spec');
    // Paths inside the body are relative to it (intent-fields.md): `workload.image`, not `spec.workload.image`.
    if (sv) body = r.map({ ...sv, path: '' }, BODY_FIELDS);
  } else if (shape === 'api') {
    const f = r.map(root, API_TOP_FIELDS);
    if (!f) return { diagnostics: r.diagnostics };
    topSelection = r.opt(f, 'selection');
    const iv = r.need(f, 'intent');
    if (iv) body = r.map({ ...iv, path: '' }, BODY_FIELDS);
  } else {
    body = r.map(root, ONE_CALL_TOP_FIELDS);
    if (body) nameVal = r.need(body, 'name', 'the one-call form names the intent at the top level: name: my-workload');
  }

  let spec: IntentSpec | undefined;
  if (body) {
    const built = readBody(r, body, shape, opts.config, topSelection, opts.tenantDef?.allowed_locations);
    spec = built.spec;
    if (shape === 'api') {
      nameVal = built.workloadNameVal;
      if (!nameVal && body.has('workload')) {
        /* missing workload.name already reported */
      } else if (!nameVal && !body.has('workload')) {
        r.error(body.val, 'missing-field', 'the API shape names the intent by workload.name, so it needs a workload', 'for a capacity-only intent use the envelope or one-call shape, which name the intent directly');
      }
    }
  }
  if (nameVal) name = readIntentName(r, nameVal, opts.tenant);
  const namePosition = nameVal ? r.position(nameVal.node) : undefined;

  if (hasErrors(r.diagnostics) || !spec || name === undefined) {
    const res: ParseIntentResult = { diagnostics: r.diagnostics };
    if (namePosition) res.namePosition = namePosition;
    return res;
  }
  const intent: Intent = {
    id: intentId(opts.tenant, name),
    tenant: opts.tenant,
    name,
    file,
    shape,
    labels,
    spec,
  };
  finishNames(intent);
  const res: ParseIntentResult = { intent, diagnostics: r.diagnostics };
  if (namePosition) res.namePosition = namePosition;
  return res;
}

function readIntentName(r: DocReader, v: Val, tenant: string): string | undefined {
  const s = r.str(v, { ...DNS_LABEL, hint: 'use lowercase letters, digits and "-", e.g. "llama-inference"' });
  if (s === undefined) return undefined;
  // the namespace is flare-<intentKey>: each '-' of the name counts twice (src/k8s/names.ts)
  const ns = `flare-${intentKey(tenant, s)}`;
  if (ns.length > 63) {
    const hyphens = (s.match(/-/g) ?? []).length;
    r.error(v, 'name-too-long', `the namespace ${ns} would be ${ns.length} characters; Kubernetes allows 63`, `shorten the name to at most ${Math.max(1, 63 - `flare-${tenant}-`.length - hyphens)} characters (each "-" of the name counts twice)`);
    return undefined;
  }
  if (intentNamespace(tenant, s) !== ns) {
    r.error(v, 'bad-format', `the name does not give a valid namespace (${ns})`);
    return undefined;
  }
  return s;
}

function readLabels(r: DocReader, v: Val, out: Record<string, string>, isLabel: boolean): void {
  if (!v.node || !isMap(v.node)) {
    r.error(v, 'wrong-type', 'expected an object of string keys and values');
    return;
  }
  for (const pair of v.node.items) {
    const k = pair.key && isScalar(pair.key) ? pair.key.value : undefined;
    const path = `${v.path}.${String(k)}`;
    const keyNode = pair.key as never;
    if (typeof k !== 'string' || !LABEL_KEY_RE.test(k) || k.length > 317) {
      r.report('error', keyNode, path, 'bad-label', `${JSON.stringify(k)} is not a valid ${isLabel ? 'label' : 'annotation'} key`);
      continue;
    }
    if (isLabel && RESERVED_LABEL_PREFIXES.some((p) => k.startsWith(p))) {
      r.report('error', keyNode, path, 'reserved-label', `${k} is set by FLARE and cannot be set in an intent`);
      continue;
    }
    const val: Val = { node: pair.value as never, path, key: keyNode };
    const s = r.str(val, isLabel ? { coerce: true, pattern: LABEL_VALUE_RE, patternName: 'a label value (≤ 63 of letters, digits, "-", "_", ".")', max: 63 } : { coerce: true, multiline: true });
    if (s !== undefined) out[k] = s;
  }
}

interface BuiltBody {
  spec?: IntentSpec;
  workloadNameVal?: Val;
}

function readBody(r: DocReader, f: Fields, shape: InputShape, config: FlareConfig, topSelection: Val | undefined, allowedLocations?: readonly string[]): BuiltBody {
  const out: BuiltBody = {};
  let ok = true;
  const objV = r.need(f, 'objective', `one of ${OBJECTIVES.join(', ')}`);
  const objective = objV ? (r.enumOf(objV, OBJECTIVES) as Objective | undefined) : undefined;
  if (!objective) ok = false;

  let selection: SelectionMode | undefined;
  const selV = r.opt(f, 'selection');
  if (selV && topSelection) r.error(topSelection, 'duplicate-field', 'selection is given twice (top level and in the intent)');
  for (const sv of [selV, topSelection]) {
    if (!sv) continue;
    const s = r.enumOf(sv, SELECTION_MODES);
    if (s === undefined) ok = false;
    else selection = s;
  }

  // GPU, CPU and memory come from workload.resources (API/envelope) or requirements (one-call).
  let gpuV: Val | undefined;
  let cpu: string | undefined;
  let memory: string | undefined;
  let cpuV: Val | undefined;
  let memV: Val | undefined;
  const reqV = r.opt(f, 'requirements');
  if (reqV) {
    const rf = r.map(reqV, REQUIREMENTS_FIELDS);
    if (!rf) ok = false;
    else {
      gpuV = r.opt(rf, 'gpu');
      const c = r.opt(rf, 'cpu');
      if (c) {
        const cf = r.map(c, ['cores']);
        const cores = cf && r.need(cf, 'cores');
        const q = cores ? r.quantity(cores, '"8" or 4.5') : undefined;
        if (q === undefined) ok = false;
        else {
          cpu = q;
          cpuV = cores;
        }
      }
      const m = r.opt(rf, 'memory');
      if (m) {
        const mf = r.map(m, ['size']);
        const size = mf && r.need(mf, 'size');
        const q = size ? r.quantity(size, '"32Gi"') : undefined;
        if (q === undefined) ok = false;
        else {
          memory = q;
          memV = size;
        }
      }
    }
  }

  const wV = r.opt(f, 'workload');
  let workload: Workload | undefined;
  let requests: ContainerRequests[] = [];
  let envVal: Val | undefined;
  if (wV) {
    const wf = r.map(wV, WORKLOAD_FIELDS, WORKLOAD_ALIASES);
    if (!wf) ok = false;
    else {
      const resV = r.opt(wf, 'resources');
      if (resV) {
        const rf = r.map(resV, RESOURCES_FIELDS);
        if (!rf) ok = false;
        else {
          const g = r.opt(rf, 'gpu');
          if (g && gpuV) {
            r.errorAtKey(g, 'conflicting-fields', 'GPU requirements are given twice (requirements.gpu and workload.resources.gpu)', 'keep one of them');
            ok = false;
          } else if (g) gpuV = g;
          const c = r.opt(rf, 'cpu');
          if (c && cpuV) {
            r.errorAtKey(c, 'conflicting-fields', 'CPU is given twice (requirements.cpu and workload.resources.cpu)', 'keep one of them');
            ok = false;
          } else if (c) {
            const q = r.quantity(c, '"8" or "500m"');
            if (q === undefined) ok = false;
            else cpu = q;
          }
          const m = r.opt(rf, 'memory');
          if (m && memV) {
            r.errorAtKey(m, 'conflicting-fields', 'memory is given twice (requirements.memory and workload.resources.memory)', 'keep one of them');
            ok = false;
          } else if (m) {
            const q = r.quantity(m, '"32Gi"');
            if (q === undefined) ok = false;
            else memory = q;
          }
        }
      }
      const built = readWorkload(r, wf, shape);
      if (!built) ok = false;
      else {
        workload = built.workload;
        requests = built.requests;
        if (built.nameVal) out.workloadNameVal = built.nameVal;
        envVal = built.envVal;
      }
      if (shape === 'api' && !wf.has('name')) r.need(wf, 'name', 'the API shape names the intent by workload.name');
    }
  }

  const gpu = readGpu(r, gpuV);
  if (!gpu) ok = false;
  if (gpu && workload && envVal && !checkDeviceIndices(r, envVal, workload.env, gpu.count)) ok = false;
  const constraints = readConstraints(r, r.opt(f, 'constraints'), config, allowedLocations);
  if (!constraints) ok = false;
  const slaV = r.opt(f, 'sla');
  const sla = readSla(r, slaV);
  if (slaV && !sla) ok = false;

  if (gpu && requests.length) {
    const reqGpu = requests.reduce((a, q) => a + (q.gpu ?? 0), 0);
    const at = requests[0]!.at;
    if (requests.some((q) => q.gpu !== undefined) && reqGpu !== gpu.count) {
      r.warn(at, 'requests-mismatch', `the containers request ${reqGpu} GPU(s) but the intent asks for ${gpu.count}`, 'the intent\'s GPU count is what FLARE reserves; make them agree');
    }
    for (const [k, want] of [['cpu', cpu], ['memory', memory]] as const) {
      const got = requests.map((q) => q[k]).filter((x): x is string => x !== undefined);
      if (!got.length || want === undefined) continue;
      const sum = got.reduce((a, q) => a + (parseQuantity(q) ?? 0), 0);
      if (Math.abs(sum - (parseQuantity(want) ?? 0)) > 1e-9 * Math.max(1, sum)) {
        r.warn(at, 'requests-mismatch', `the containers request ${k} ${got.join(' + ')} but the intent asks for ${want}`, 'make them agree');
      }
    }
  }

  if (!ok || !objective || !gpu || !constraints) return out;
  const resources: Resources = { gpu };
  if (cpu !== undefined) resources.cpu = cpu;
  if (memory !== undefined) resources.memory = memory;
  const spec: IntentSpec = { objective, resources, constraints };
  if (selection) spec.selection = selection;
  if (workload) spec.workload = workload;
  if (sla) spec.sla = sla;
  out.spec = spec;
  return out;
}

/** After the intent name is known: the default workload and container names. */
function finishNames(intent: Intent): void {
  const w = intent.spec.workload;
  if (!w) return;
  if (!w.name) w.name = intent.name;
  for (const c of w.containers) if (!c.name) c.name = w.name;
}

export { LIMITS };
