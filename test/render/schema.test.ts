import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { unknownFields } from '../support/crd-fields.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { beforeAll, describe, expect, test } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { loadTemplates } from '../../src/render/load-templates.js';
import { render } from '../../src/render/render.js';
import type { RenderedObject } from '../../src/render/types.js';
import { richModel } from './rich.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const crdDir = path.resolve(repoRoot, '..', 'shared', 'crds');
const haveCrds = existsSync(crdDir);
if (!haveCrds) console.warn(`skipping CRD schema validation: ${crdDir} is absent`);


const CRD_FILES: Record<string, string> = {
  Solver: 'fluidos/nodecore.fluidos.eu_solvers.yaml',
  Reservation: 'fluidos/reservation.fluidos.eu_reservations.yaml',
  Allocation: 'fluidos/nodecore.fluidos.eu_allocations.yaml',
  NamespaceOffloading: 'liqo/offloading.liqo.io_namespaceoffloadings.yaml',
  Tenant: 'capsule/capsule.clastix.io_tenants.yaml',
};

const K8S: Record<string, new (o: any) => { validate(): void }> = {
  Deployment,
  HorizontalPodAutoscaler,
  Job,
  Ingress,
  NetworkPolicy,
  PodDisruptionBudget,
  Namespace,
  PersistentVolumeClaim,
  Service,
};

let objects: RenderedObject[];
beforeAll(async () => {
  const r = render(richModel(), (await loadTemplates()).templates);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  objects = r.objects;
});

describe('rendered objects validate', () => {
  test('the rich model renders every kind', () => {
    const kinds = new Set(objects.map((o) => o.object.kind));
    for (const k of [...Object.keys(CRD_FILES), ...Object.keys(K8S)]) expect(kinds.has(k), k).toBe(true);
  });

  test.skipIf(!haveCrds)('FLUIDOS, Liqo and Capsule objects against the real CRDs', () => {
    expect(readdirSync(crdDir).length).toBeGreaterThan(0);
    const ajv = new Ajv({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    for (const [kind, file] of Object.entries(CRD_FILES)) {
      const crd = parse(readFileSync(path.join(crdDir, file), 'utf8'));
      const mine = objects.filter((o) => o.object.kind === kind);
      expect(mine.length, kind).toBeGreaterThan(0);
      for (const o of mine) {
        const [group, version] = o.object.apiVersion.split('/');
        expect(group).toBe(crd.spec.group);
        const v = crd.spec.versions.find((x: { name: string }) => x.name === version);
        expect(v, `${kind} ${version} served`).toBeDefined();
        expect(v.served).toBe(true);
        expect(crd.spec.scope === 'Namespaced', `${kind} namespace`).toBe(o.object.metadata.namespace !== undefined);
        const validate = ajv.compile(v.schema.openAPIV3Schema);
        const ok = validate(o.object);
        expect(ok ? [] : validate.errors, `${kind} ${o.object.metadata.name}`).toEqual([]);
        const unknown: string[] = [];
        unknownFields(o.object, v.schema.openAPIV3Schema, '', unknown);
        expect(unknown, `${kind} ${o.object.metadata.name}: fields the API server would prune`).toEqual([]);
      }
    }
  });

  test('Kubernetes kinds against kubernetes-models', () => {
    for (const o of objects) {
      const M = K8S[o.object.kind];
      if (!M) continue;
      expect(() => new M(o.object).validate(), `${o.object.kind} ${o.object.metadata.name}`).not.toThrow();
    }
  });

  test('the schema check is not vacuous: a broken object fails', () => {
    const dep = objects.find((o) => o.object.kind === 'Deployment')!.object;
    const broken = structuredClone(dep);
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken as any).validate()).toThrow();
    if (haveCrds) {
      const crd = parse(readFileSync(path.join(crdDir, CRD_FILES.Reservation!), 'utf8'));
      const ajv = new Ajv({ strict: false });
      const validate = ajv.compile(crd.spec.versions[0].schema.openAPIV3Schema);
      const res = structuredClone(objects.find((o) => o.object.kind === 'Reservation')!.object);
      delete res.spec.seller;
      expect(validate(res)).toBe(false);
      const unknown: string[] = [];
      unknownFields({ spec: { sellr: {} } }, crd.spec.versions[0].schema.openAPIV3Schema, '', unknown);
      expect(unknown).toEqual(['.spec.sellr']);
    }
  });
});
