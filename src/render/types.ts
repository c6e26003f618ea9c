import type { Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../k8s/object.js';

/** Kinds the renderer emits; each has one template (templates/<kind-lowercase>.yaml.hbs). */
export const RENDERED_KINDS = [
  'Tenant',
  'Namespace',
  'Solver',
  'NetworkPolicy',
  'PersistentVolumeClaim',
  'Reservation',
  'Allocation',
  'NamespaceOffloading',
  'Deployment',
  'Job',
  'Service',
  'Ingress',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
] as const;
export type RenderedKind = (typeof RENDERED_KINDS)[number];

/** tenant: the per-tenant Capsule Tenant; A–D: the stages of DESIGN.md "From intent to objects". */
export type Stage = 'tenant' | 'A' | 'B' | 'C' | 'D';

/** Argo CD sync waves: objects of a later stage wait for the earlier ones to be healthy. */
export const SYNC_WAVE = {
  tenant: -1,
  A: 0,
  B: 1,
  C: 2,
  offloading: 3,
  workload: 4,
} as const;

export interface RenderedObject {
  object: KubeObject;
  stage: Stage;
  /** Argo CD sync wave, also the order the reconciler applies in. */
  wave: number;
  tenant: string;
  /** Absent for tenant-level objects. */
  intentId?: string;
  /** Output path relative to the rendered root, forward slashes. */
  path: string;
}

/** What a template receives: computed values only; the template decides the layout. */
export interface ObjectPlan {
  kind: RenderedKind;
  stage: Stage;
  wave: number;
  tenant: string;
  intentId?: string;
  /** Folder under the tenant: the intent name, or `_tenant`. */
  folder: string;
  /** Repo-relative source file, for diagnostics and the file header. */
  source: string;
  context: Record<string, unknown>;
}

export interface RenderResult {
  objects: RenderedObject[];
  /** Path relative to the rendered root → file content; includes kustomizations and .gitattributes. */
  files: Map<string, string>;
  diagnostics: Diagnostic[];
}
