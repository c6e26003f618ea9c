import { existsSync, readFileSync } from 'node:fs';
import { unknownFields } from '../../support/crd-fields.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/k8s/object.js';
import { federationFlavors } from '../../../src/sandbox/federation/flavors.js';
import { defaultFederation } from '../../../src/sandbox/federation/default.js';
import { getObj, solved, solver, startSim, waitFor, type Sim } from './helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const crdDir = path.resolve(repoRoot, '..', 'shared', 'crds');
const haveCrds = existsSync(crdDir);
if (!haveCrds) console.warn(`skipping simulator CRD validation: ${crdDir} is absent`);

const CRDS: Record<string, string> = {
  Flavor: 'fluidos/nodecore.fluidos.eu_flavors.yaml',
  Solver: 'fluidos/nodecore.fluidos.eu_solvers.yaml',
  Allocation: 'fluidos/nodecore.fluidos.eu_allocations.yaml',
  Discovery: 'fluidos/advertisement.fluidos.eu_discoveries.yaml',
  PeeringCandidate: 'fluidos/advertisement.fluidos.eu_peeringcandidates.yaml',
  Reservation: 'fluidos/reservation.fluidos.eu_reservations.yaml',
  Contract: 'fluidos/reservation.fluidos.eu_contracts.yaml',
  Transaction: 'fluidos/reservation.fluidos.eu_transactions.yaml',
  NamespaceOffloading: 'liqo/offloading.liqo.io_namespaceoffloadings.yaml',
};


describe.skipIf(!haveCrds)('objects the simulator writes conform to the real CRDs', () => {
  const schemas = new Map<string, any>();
  const validators = new Map<string, ReturnType<Ajv['compile']>>();
  let s: Sim;

  beforeAll(async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('int64', true);
    (addFormatsModule as unknown as (a: Ajv) => void)(ajv);
    for (const [kind, file] of Object.entries(CRDS)) {
      const crd = parse(readFileSync(path.join(crdDir, file), 'utf8'));
      const version = crd.spec.versions.find((v: { storage?: boolean }) => v.storage) ?? crd.spec.versions[0];
      schemas.set(kind, version.schema.openAPIV3Schema);
      validators.set(kind, ajv.compile(version.schema.openAPIV3Schema));
    }
    // A full flow: fluidos-mode Solver (Discovery, PeeringCandidates, Reservation, Transaction,
    // Contract, Allocation) and a NamespaceOffloading that reaches Ready.
    s = startSim();
    s.store.create(solver('schema-check', { gpuFilters: [{ field: 'model', filter: 'StringFilter', data: { value: 'nvidia-h100' } }] }, { reserveAndBuy: true, establishPeering: true }));
    const sol = await solved(s.store, 'schema-check');
    expect(sol.status.solverPhase.phase).toBe('Solved');
    s.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flare-t-x' } });
    s.store.create({
      apiVersion: 'offloading.liqo.io/v1beta1',
      kind: 'NamespaceOffloading',
      metadata: { name: 'offloading', namespace: 'flare-t-x' },
      spec: { namespaceMappingStrategy: 'DefaultName', podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'liqo.io/remote-cluster-id', operator: 'In', values: ['liqo-provider-de'] }] }] } },
    });
    await waitFor(() => getObj(s.store, 'offloading.liqo.io/v1beta1', 'NamespaceOffloading', 'offloading', 'flare-t-x')?.status?.offloadingPhase === 'Ready', 'offloading Ready');
  });
  afterAll(() => s?.close());

  const check = (o: KubeObject) => {
    const validate = validators.get(o.kind)!;
    const ok = validate(o);
    expect(ok ? [] : validate.errors, `${o.kind} ${o.metadata.name}`).toEqual([]);
    const extra: string[] = [];
    unknownFields(o, schemas.get(o.kind), o.kind, extra);
    expect(extra, `${o.kind} ${o.metadata.name}: fields the CRD would prune`).toEqual([]);
  };

  it('generated Flavors (every node of the default federation)', () => {
    const flavors = federationFlavors(defaultFederation());
    expect(flavors).toHaveLength(defaultFederation().providers.reduce((n, p) => n + p.nodes.length, 0));
    for (const f of flavors) check(f);
    const bad = structuredClone(flavors[0]!);
    delete bad.spec.providerID;
    expect(validators.get('Flavor')!(bad), 'the validator rejects a Flavor without providerID').toBe(false);
    for (const f of s.store.list('nodecore.fluidos.eu/v1alpha1', 'Flavor').items) check(f);
  });

  for (const [apiVersion, kind] of [
    ['nodecore.fluidos.eu/v1alpha1', 'Solver'],
    ['advertisement.fluidos.eu/v1alpha1', 'Discovery'],
    ['advertisement.fluidos.eu/v1alpha1', 'PeeringCandidate'],
    ['reservation.fluidos.eu/v1alpha1', 'Reservation'],
    ['reservation.fluidos.eu/v1alpha1', 'Transaction'],
    ['reservation.fluidos.eu/v1alpha1', 'Contract'],
    ['nodecore.fluidos.eu/v1alpha1', 'Allocation'],
    ['offloading.liqo.io/v1beta1', 'NamespaceOffloading'],
  ] as const) {
    it(`${kind} objects and their status`, () => {
      const items = s.store.list(apiVersion, kind).items;
      expect(items.length).toBeGreaterThan(0);
      for (const o of items) {
        expect(o.status, `${kind} has a status`).toBeDefined();
        check(o);
      }
    });
  }
});
