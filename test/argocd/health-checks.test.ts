import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseLua } from 'luaparse';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { unknownFields } from '../support/crd-fields.js';
import { executeHealthLua, INVALID_HEALTH_STATUS } from './lua-runner.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const customizations = path.join(repoRoot, 'argocd', 'resource_customizations');
const crdDir = path.resolve(repoRoot, '..', 'shared', 'crds');
const haveCrds = existsSync(crdDir);

interface Case {
  name: string;
  dir: string;
  inputPath: string;
  expected: { status: string; message: string };
}

/** Like Argo CD's collectHealthTestCases: every health.lua dir's health_test.yaml, sorted by name. */
function collectCases(): Case[] {
  const out: Case[] = [];
  for (const group of readdirSync(customizations)) {
    for (const kind of readdirSync(path.join(customizations, group))) {
      const dir = path.join(customizations, group, kind);
      if (!statSync(dir).isDirectory() || !existsSync(path.join(dir, 'health.lua'))) continue;
      const spec = parse(readFileSync(path.join(dir, 'health_test.yaml'), 'utf8')) as {
        tests: { inputPath: string; healthStatus: { status?: string; message?: string } }[];
      };
      for (const t of spec.tests) {
        out.push({
          name: `${group}/${kind}/${t.inputPath}`,
          dir,
          inputPath: path.join(dir, t.inputPath),
          // health.HealthStatus zero values: an absent field is "".
          expected: { status: t.healthStatus.status ?? '', message: t.healthStatus.message ?? '' },
        });
      }
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const cases = collectCases();

/** The kinds issue 12 asks for, with where their phase lives and every value it takes. */
const KINDS: Record<string, { crd: string; phase: (o: any) => unknown; values: unknown[]; closed?: boolean }> = {
  'nodecore.fluidos.eu/Solver': {
    crd: 'fluidos/nodecore.fluidos.eu_solvers.yaml',
    phase: (o) => o.status?.solverPhase?.phase,
    values: ['Idle', 'Pending', 'Running', 'Allocating', 'Solved', 'Failed', 'Timed Out', 'Active', 'Inactive', undefined],
  },
  'reservation.fluidos.eu/Reservation': {
    crd: 'fluidos/reservation.fluidos.eu_reservations.yaml',
    phase: (o) => o.status?.phase?.phase,
    values: ['Idle', 'Pending', 'Running', 'Allocating', 'Solved', 'Failed', 'Timed Out', 'Active', 'Inactive', undefined],
  },
  'reservation.fluidos.eu/Contract': {
    crd: 'fluidos/reservation.fluidos.eu_contracts.yaml',
    phase: (o) => o.status?.phase?.phase,
    values: ['Idle', 'Pending', 'Running', 'Allocating', 'Solved', 'Failed', 'Timed Out', 'Active', 'Inactive', undefined],
  },
  'reservation.fluidos.eu/Transaction': {
    crd: 'fluidos/reservation.fluidos.eu_transactions.yaml',
    phase: (o) => o.status?.phase?.phase,
    values: ['Idle', 'Pending', 'Running', 'Allocating', 'Solved', 'Failed', 'Timed Out', 'Active', 'Inactive', undefined],
  },
  'nodecore.fluidos.eu/Allocation': {
    crd: 'fluidos/nodecore.fluidos.eu_allocations.yaml',
    phase: (o) => o.status?.status,
    values: ['Provisioning', 'ResourceCreation', 'Peering', 'Active', 'Reserved', 'Released', 'Inactive', 'Error', 'Failed', undefined],
  },
  'advertisement.fluidos.eu/PeeringCandidate': {
    crd: 'fluidos/advertisement.fluidos.eu_peeringcandidates.yaml',
    phase: (o) => o.spec?.available,
    values: [true, false], // required by the CRD
    closed: true,
  },
  'offloading.liqo.io/NamespaceOffloading': {
    crd: 'liqo/offloading.liqo.io_namespaceoffloadings.yaml',
    phase: (o) => o.status?.offloadingPhase,
    values: ['Ready', 'NoClusterSelected', 'InProgress', 'SomeFailed', 'AllFailed', 'Terminating', undefined],
  },
  'capsule.clastix.io/Tenant': {
    crd: 'capsule/capsule.clastix.io_tenants.yaml',
    phase: (o) => o.status?.state,
    values: ['Active', 'Cordoned', 'Terminating', undefined],
    closed: true, // an enum in the CRD: no other value can exist
  },
};

describe('Argo CD health checks (argocd/resource_customizations), run as argocd-cm scripts', () => {
  test('every kind of issue 12 has a health.lua, a health_test.yaml and cases', () => {
    for (const key of Object.keys(KINDS)) {
      expect(existsSync(path.join(customizations, key, 'health.lua')), key).toBe(true);
      expect(cases.filter((c) => c.name.startsWith(`${key}/`)).length, key).toBeGreaterThan(2);
    }
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const obj = parse(readFileSync(c.inputPath, 'utf8'));
    const script = readFileSync(path.join(c.dir, 'health.lua'), 'utf8');
    expect(executeHealthLua(obj, script)).toEqual(c.expected);
  });

  test('every phase value of every kind has a case, and unknown values have one too', () => {
    for (const [key, k] of Object.entries(KINDS)) {
      const objs = cases.filter((c) => c.name.startsWith(`${key}/`)).map((c) => parse(readFileSync(c.inputPath, 'utf8')));
      const seen = objs.map(k.phase);
      for (const v of k.values) expect(seen, `${key} has a case for ${String(v)}`).toContain(v);
      if (!k.closed) {
        expect(seen.some((v) => v !== undefined && !k.values.includes(v)), `${key} has an unrecognised-value case`).toBe(true);
      }
    }
  });

  test.skipIf(!haveCrds)('the phase lists match the real CRDs (enums and documented values)', () => {
    const tenant = parse(readFileSync(path.join(crdDir, KINDS['capsule.clastix.io/Tenant']!.crd), 'utf8'));
    const enums = new Set<string>();
    for (const v of tenant.spec.versions) for (const e of v.schema.openAPIV3Schema.properties.status.properties.state.enum) enums.add(e);
    expect([...enums].sort()).toEqual(['Active', 'Cordoned', 'Terminating']);
    const nso = parse(readFileSync(path.join(crdDir, KINDS['offloading.liqo.io/NamespaceOffloading']!.crd), 'utf8'));
    const doc: string = nso.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.offloadingPhase.description;
    const documented = [...doc.matchAll(/"([A-Za-z]+)"/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(KINDS['offloading.liqo.io/NamespaceOffloading']!.values.filter((v) => v !== undefined).sort());
  });

  test.skipIf(!haveCrds)('every testdata object is valid for its real CRD (no field the API server would prune)', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    for (const [key, k] of Object.entries(KINDS)) {
      const crd = parse(readFileSync(path.join(crdDir, k.crd), 'utf8'));
      for (const c of cases.filter((x) => x.name.startsWith(`${key}/`))) {
        const obj = parse(readFileSync(c.inputPath, 'utf8'));
        expect(obj.apiVersion.split('/')[0], c.name).toBe(crd.spec.group);
        const v = crd.spec.versions.find((x: { name: string }) => x.name === obj.apiVersion.split('/')[1]);
        expect(v, c.name).toBeDefined();
        const validate = ajv.compile(v.schema.openAPIV3Schema);
        expect(validate(obj) ? [] : validate.errors, c.name).toEqual([]);
        const unknown: string[] = [];
        unknownFields(obj, v.schema.openAPIV3Schema, '', unknown);
        expect(unknown, c.name).toEqual([]);
      }
    }
  });

  test('scripts are Lua 5.1 (gopher-lua) and use only globals an argocd-cm script has', () => {
    // Lua 5.1 base functions, plus `table`, `require` (package) and the object.
    const allowed = new Set([
      'obj', 'table', 'require', 'assert', 'error', 'ipairs', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset',
      'select', 'tonumber', 'tostring', 'type', 'xpcall', 'setmetatable', 'getmetatable',
    ]);
    for (const key of Object.keys(KINDS)) {
      const code = readFileSync(path.join(customizations, key, 'health.lua'), 'utf8');
      const ast = parseLua(code, { luaVersion: '5.1', scope: true });
      const globals = new Set<string>();
      const walk = (n: any, skip = false): void => {
        if (!n || typeof n !== 'object') return;
        if (Array.isArray(n)) return n.forEach((x) => walk(x));
        if (n.type === 'Identifier' && !skip && n.isLocal === false) globals.add(n.name);
        for (const [k, v] of Object.entries(n)) {
          if (k === 'loc' || k === 'range') continue;
          walk(v, (n.type === 'MemberExpression' && k === 'identifier') || (n.type === 'TableKeyString' && k === 'key'));
        }
      };
      walk(ast);
      expect([...globals].filter((g) => !allowed.has(g)), key).toEqual([]);
    }
  });
});

describe('the runner behaves as Argo CD does', () => {
  test('string and math are absent, os only through require, table present', () => {
    const r = executeHealthLua({}, 'return {status = "Healthy", message = type(string) .. type(math) .. type(os) .. type(require("os").time) .. type(table.insert)}');
    expect(r).toEqual({ status: 'Healthy', message: 'nilniltablefunctionfunction'.replace('table', 'nil') });
  });

  test('a script calling a string method fails instead of passing', () => {
    expect(() => executeHealthLua({ status: { phase: 'x' } }, 'local s = obj.status.phase; return {status = s:lower()}')).toThrow();
    expect(() => executeHealthLua({}, 'return {status = string.lower("Healthy")}')).toThrow();
  });

  test('an invalid status reads Unknown, a non-table result is an error', () => {
    expect(executeHealthLua({}, 'return {status = "Fine", message = "x"}')).toEqual({ status: 'Unknown', message: INVALID_HEALTH_STATUS });
    expect(() => executeHealthLua({}, 'return "Healthy"')).toThrow(/expect table output/);
  });

  test('integral numbers print as gopher-lua prints them', () => {
    expect(executeHealthLua({ n: 3, f: 2.5 }, 'return {status = "Healthy", message = tostring(obj.n) .. " " .. tostring(obj.f)}')).toEqual({ status: 'Healthy', message: '3 2.5' });
  });

  test('a refused Reservation reads Degraded', () => {
    const script = readFileSync(path.join(customizations, 'reservation.fluidos.eu', 'Reservation', 'health.lua'), 'utf8');
    const r = executeHealthLua({ kind: 'Reservation', status: { phase: { phase: 'Failed', message: 'No available PeeringCandidate to reserve' } } }, script);
    expect(r).toEqual({ status: 'Degraded', message: 'Failed: No available PeeringCandidate to reserve' });
  });
});
