import type { AdminValues } from './admin-values.js';
import { type GpuModel, type GpuVendor, interconnectFor, normalizeGpuModel } from '../gpu/catalog.js';
import { checkAnnotations } from './check.js';
import { K } from './keys.js';

/**
 * GPU operator labels → FLUIDOS node annotations (the provider admin guide's label mapping).
 *
 * Decisions:
 * - Memory is written as the nominal size in Gi, the way the seeds and every FLUIDOS annotation
 *   example write it (an "80GB" card is `80Gi`). NVIDIA labels MiB: divide by 1024; AMD labels
 *   decimal MB of its nominal size (192000 for the 192 GB MI300X): divide by 1000. A strict
 *   conversion (192000 MB = 178.8 GiB) would make an intent asking for `192Gi` miss the very GPU
 *   it names. The result snaps to a size the model ships with when within 7% (a T4 reports
 *   15360 MiB → 16Gi, an H100 81559 MiB → 80Gi), else rounds to the nearest Gi (49140 MiB → 48Gi).
 * - Tier, cores, FP32 TFLOPS, clock, interconnect and workload scores come from the catalog only
 *   for known models; an unknown model gets none of them (and a warning), never a guess.
 * - MIG-capable means shareable: sharing_strategy `mig` unless the operator's sharing-strategy
 *   label says time-slicing or mps.
 */

interface MapOptions {
  /** Node name, for messages. */
  node?: string;
  /** Node status.capacity, used when the operator publishes no count label. */
  capacity?: Readonly<Record<string, string | undefined>>;
}

interface MapResult {
  annotations: Record<string, string>;
  warnings: string[];
  /** The node carries GPU operator labels. */
  gpu: boolean;
  /** The catalog entry the model resolved to, if any. */
  model?: GpuModel;
}

interface VendorLabels {
  vendor: GpuVendor;
  product: string[];
  count: string;
  capacity: string;
  memory: string;
  /** Divisor from the memory label's unit to nominal GiB. */
  memoryDivisor: number;
  family: string;
}

const NVIDIA: VendorLabels = {
  vendor: 'nvidia',
  product: ['nvidia.com/gpu.product'],
  count: 'nvidia.com/gpu.count',
  capacity: 'nvidia.com/gpu',
  memory: 'nvidia.com/gpu.memory',
  memoryDivisor: 1024,
  family: 'nvidia.com/gpu.family',
};
const AMD: VendorLabels = {
  vendor: 'amd',
  product: ['amd.com/gpu.product', 'amd.com/gpu.product-name'],
  count: 'amd.com/gpu.count',
  capacity: 'amd.com/gpu',
  memory: 'amd.com/gpu.memory',
  memoryDivisor: 1000,
  family: 'amd.com/gpu.family',
};

const ARCHITECTURES = new Set([
  'blackwell', 'hopper', 'ada-lovelace', 'ampere', 'turing', 'volta', 'pascal', 'maxwell', 'kepler',
  'cdna', 'cdna2', 'cdna3', 'rdna', 'rdna2', 'rdna3', 'rdna4', 'xe-hpc', 'xe-hpg',
]);

function normalizeArchitecture(raw: string): string | undefined {
  const a = raw.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (a === 'ada' || a === 'adalovelace') return 'ada-lovelace';
  return ARCHITECTURES.has(a) ? a : undefined;
}

/** GPU Feature Discovery decorates the product of shared or MIG GPUs: `Tesla-T4-SHARED`, `…-MIG-1g.5gb`. */
function stripProductDecorations(product: string): { product: string; sharedSuffix: boolean } {
  let p = product.trim();
  const sharedSuffix = /-SHARED$/i.test(p);
  if (sharedSuffix) p = p.replace(/-SHARED$/i, '');
  p = p.replace(/-MIG-\d+g\.\d+gb$/i, '');
  return { product: p, sharedSuffix };
}

function nominalGi(raw: number, divisor: number, gpu: GpuModel | undefined): number {
  const gi = raw / divisor;
  if (gpu) for (const v of gpu.memoryVariantsGi) if (Math.abs(gi - v) / v <= 0.07) return v;
  return Math.round(gi);
}

const fmt = (n: number): string => String(Number(n.toFixed(3)));

export function annotationsFromLabels(
  labels: Readonly<Record<string, string>>,
  admin: AdminValues,
  opts: MapOptions = {},
): MapResult {
  const who = opts.node ? `node ${opts.node}: ` : '';
  const warnings: string[] = [];
  const a: Record<string, string> = {};

  const vendorLabels = [NVIDIA, AMD].find((v) => v.product.some((p) => labels[p]));
  if (!vendorLabels) {
    return { annotations: {}, warnings: [`${who}no NVIDIA or AMD GPU operator product label; not a GPU node`], gpu: false };
  }
  const productLabel = vendorLabels.product.map((p) => labels[p]).find((v) => v)!;
  const { product, sharedSuffix } = stripProductDecorations(productLabel);
  const norm = normalizeGpuModel(product, vendorLabels.vendor);
  const gpu = norm.known;
  a[K.vendor] = vendorLabels.vendor;
  a[K.model] = norm.model;
  if (!gpu) {
    warnings.push(
      `${who}GPU '${productLabel}' is not in the catalog; annotated as ${norm.model} without tier, cores, TFLOPS, ` +
        'clock, interconnect or workload scores: add those by hand if you know them',
    );
  }

  // Count
  const countRaw = labels[vendorLabels.count] ?? opts.capacity?.[vendorLabels.capacity];
  if (countRaw !== undefined && /^[1-9]\d*$/.test(countRaw.trim())) a[K.count] = countRaw.trim();
  else warnings.push(`${who}no usable GPU count (${vendorLabels.count}=${countRaw ?? 'absent'})`);
  const count = a[K.count] ? Number(a[K.count]) : 1;

  // Memory per GPU
  let memGi: number | undefined;
  const memRaw = labels[vendorLabels.memory];
  if (memRaw !== undefined) {
    const n = Number(memRaw.trim());
    if (Number.isFinite(n) && n > 0) memGi = nominalGi(n, vendorLabels.memoryDivisor, gpu);
    else warnings.push(`${who}${vendorLabels.memory}=${memRaw} is not a number`);
  }
  if (memGi === undefined && vendorLabels.vendor === 'amd' && labels['amd.com/gpu.vram']) {
    const m = /^(\d+(?:\.\d+)?)\s*(G|GB|Gi|M|MB|Mi)?$/i.exec(labels['amd.com/gpu.vram'].trim());
    if (m) {
      const unit = (m[2] ?? 'M').toLowerCase();
      memGi = nominalGi(Number(m[1]) * (unit.startsWith('g') ? 1000 : 1), 1000, gpu);
    }
  }
  if (memGi === undefined && norm.memoryGiHint !== undefined) memGi = norm.memoryGiHint;
  if (memGi === undefined && gpu) {
    memGi = gpu.memoryGi;
    if (gpu.memoryVariantsGi.length > 1) {
      warnings.push(`${who}no memory label; assumed ${gpu.memoryGi}Gi, the most common ${gpu.displayName} (also ships with ${gpu.memoryVariantsGi.filter((v) => v !== gpu.memoryGi).join(', ')}Gi)`);
    }
  }
  if (memGi !== undefined && memGi > 0) a[K.memory] = `${memGi}Gi`;
  else warnings.push(`${who}GPU memory unknown (no ${vendorLabels.memory} label)`);

  // Architecture and compute capability: the operator's labels win over the catalog.
  const familyRaw = labels[vendorLabels.family];
  const family = familyRaw ? normalizeArchitecture(familyRaw) : undefined;
  if (familyRaw && !family) warnings.push(`${who}${vendorLabels.family}=${familyRaw} is not a GPU architecture FLARE knows`);
  const arch = family ?? gpu?.architecture;
  if (arch) a[K.architecture] = arch;
  if (vendorLabels.vendor === 'nvidia') {
    const major = labels['nvidia.com/gpu.compute.major'];
    const minor = labels['nvidia.com/gpu.compute.minor'];
    if (major !== undefined && minor !== undefined && /^\d+$/.test(major) && /^\d+$/.test(minor)) {
      a[K.computeCapability] = `${major}.${minor}`;
    } else if (gpu?.computeCapability) {
      a[K.computeCapability] = gpu.computeCapability;
    }
  }

  // Sharing
  if (vendorLabels.vendor === 'nvidia') {
    const mig = labels['nvidia.com/mig.capable'];
    if (mig !== undefined) a[K.migCapable] = mig.toLowerCase() === 'true' ? 'true' : 'false';
    const strategy = labels['nvidia.com/gpu.sharing-strategy']?.toLowerCase();
    if (strategy === 'time-slicing' || strategy === 'mps') setSharing(a, strategy);
    else if (a[K.migCapable] === 'true') setSharing(a, 'mig');
    else if (sharedSuffix) setSharing(a, 'time-slicing');
    else setSharing(a, 'none');
    if (strategy && !['time-slicing', 'mps', 'none'].includes(strategy)) {
      warnings.push(`${who}nvidia.com/gpu.sharing-strategy=${strategy} is not time-slicing, mps or none`);
    }
  } else {
    setSharing(a, labels['amd.com/sriov.capable']?.toLowerCase() === 'true' ? 'sriov' : 'none');
  }

  // Catalog-derived traits, known models only.
  if (gpu) {
    a[K.tier] = gpu.tier;
    a[K.cores] = String(gpu.cores);
    a[K.fp32Tflops] = fmt(gpu.fp32Tflops);
    a[K.clockSpeed] = `${fmt(gpu.boostClockMHz / 1000)}G`;
    const ic = interconnectFor(gpu, count, { pcie: norm.pcie });
    a[K.interconnect] = ic.interconnect;
    a[K.interconnectBandwidth] = fmt(ic.bandwidthGBs);
    if (ic.topology) a[K.topology] = ic.topology;
    if (ic.multiGpuEfficiency !== undefined) a[K.multiGpuEfficiency] = fmt(ic.multiGpuEfficiency);
    a[K.trainingScore] = fmt(gpu.scores.training);
    a[K.inferenceScore] = fmt(gpu.scores.inference);
    a[K.hpcScore] = fmt(gpu.scores.hpc);
    a[K.graphicsScore] = fmt(gpu.scores.graphics);
  }

  applyAdmin(a, admin, who, warnings);

  for (const v of checkAnnotations(a)) {
    warnings.push(`${who}${v.key}${v.value !== undefined ? `=${v.value}` : ''}: ${v.message}`);
  }
  const result: MapResult = { annotations: sortKeys(a), warnings, gpu: true };
  if (gpu) result.model = gpu;
  return result;
}

function setSharing(a: Record<string, string>, strategy: 'mig' | 'sriov' | 'time-slicing' | 'mps' | 'none'): void {
  a[K.sharingStrategy] = strategy;
  a[K.shared] = strategy === 'none' ? 'false' : 'true';
}

function applyAdmin(a: Record<string, string>, admin: AdminValues, who: string, warnings: string[]): void {
  if (admin.region !== undefined) a[K.region] = admin.region;
  else warnings.push(`${who}no region (--region or admin values): consumers cannot place by location`);
  if (admin.zone !== undefined) a[K.zone] = admin.zone;
  if (admin.hourlyRate !== undefined) {
    a[K.hourlyRate] = fmt(admin.hourlyRate);
    a[K.currency] = admin.currency ?? 'EUR';
  } else {
    warnings.push(`${who}no hourly rate (--rate or admin values): consumers cannot price this node`);
    if (admin.currency !== undefined) a[K.currency] = admin.currency;
  }
  if (admin.provider !== undefined) a[K.provider] = admin.provider;
  if (admin.preemptible !== undefined) a[K.preemptible] = String(admin.preemptible);
  if (admin.interruptible !== undefined) a[K.interruptible] = String(admin.interruptible);
  if (admin.dedicated !== undefined) a[K.dedicated] = String(admin.dedicated);
  if (admin.networkBandwidthGbps !== undefined) a[K.networkBandwidth] = fmt(admin.networkBandwidthGbps);
  if (admin.networkLatencyMs !== undefined) a[K.networkLatency] = fmt(admin.networkLatencyMs);
  if (admin.networkTier !== undefined) a[K.networkTier] = admin.networkTier;
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
