/**
 * A catalog of known GPUs: the traits a GPU operator's labels do not carry (tier, cores, FP32
 * TFLOPS, interconnect, workload fit) are looked up here by model.
 *
 * Figures (cores, FP32 TFLOPS, memory, boost clock, interconnect bandwidth) are the vendors'
 * published specifications: NVIDIA data sheets (H100/H200 SXM, A100 SXM, L40S, L4, A10, A30,
 * A40, RTX A6000, V100 SXM2, T4) and GeForce spec pages (RTX 4090/4080/3090/3060); AMD Instinct
 * (MI300X, MI250X, MI250, MI210) and Radeon spec pages (Pro W7900, RX 7900 XTX); Intel ARK
 * (Data Center GPU Max 1550/1100, Flex 170, Arc A770). FP32 is the non-tensor (vector) figure.
 * Where one model name covers several boards (H100 SXM and PCIe, A100 40GB and 80GB, V100 16/32GB)
 * the figures are the SXM / largest-volume part; memory comes from the operator label when known.
 *
 * Workload scores (training, inference, hpc, graphics in [0,1]) and tiers are FLARE's own
 * estimates, relative across this catalog; they are not vendor figures.
 *
 * Model names: `<vendor>-<model>` lowercased and hyphenated, as the seeds write them
 * (`nvidia-h100`, `nvidia-a100`, `nvidia-rtx-4090`, `amd-mi300x`). One name per chip, not per
 * board: A100 40GB and 80GB are both `nvidia-a100` (the seeds use `nvidia-a100` with 40Gi and
 * 80Gi); the memory annotation tells them apart.
 */

export type GpuVendor = 'nvidia' | 'amd' | 'intel';
type GpuTier = 'premium' | 'standard' | 'gaming' | 'inference' | 'budget';
type GpuInterconnect = 'nvlink' | 'nvswitch' | 'infinity-fabric' | 'xe-link' | 'pcie';

interface WorkloadScores {
  training: number;
  inference: number;
  hpc: number;
  graphics: number;
}

export interface GpuModel {
  vendor: GpuVendor;
  /** Normalized model name, e.g. `nvidia-h100`. */
  model: string;
  displayName: string;
  /** Other spellings that resolve to this model (compared after normalization). */
  aliases: readonly string[];
  architecture: string;
  /** NVIDIA CUDA compute capability, e.g. "9.0". */
  computeCapability?: string;
  tier: GpuTier;
  /** CUDA cores (NVIDIA), stream processors (AMD), FP32 ALUs (Intel). */
  cores: number;
  fp32Tflops: number;
  /** Typical memory of the part, GiB (the most common board). */
  memoryGi: number;
  /** All memory sizes the model ships with, GiB. */
  memoryVariantsGi: readonly number[];
  boostClockMHz: number;
  /** GPU-to-GPU link used when a node has more than one of these GPUs. */
  multiGpuInterconnect: GpuInterconnect;
  /** Per-GPU bandwidth of that link, GB/s (PCIe Gen4 x16 = 64, Gen5 x16 = 128). */
  interconnectBandwidthGBs: number;
  /** Multi-GPU nodes are usually all-to-all through a switch (HGX NVSwitch, MI300X OAM). */
  switched: boolean;
  migCapable: boolean;
  scores: WorkloadScores;
}

const s = (training: number, inference: number, hpc: number, graphics: number): WorkloadScores => ({
  training,
  inference,
  hpc,
  graphics,
});

export const GPU_CATALOG: readonly GpuModel[] = [
  // ---- NVIDIA data centre ----
  {
    vendor: 'nvidia', model: 'nvidia-h200', displayName: 'NVIDIA H200', aliases: ['h200-sxm', 'h200-nvl'],
    architecture: 'hopper', computeCapability: '9.0', tier: 'premium', cores: 16896, fp32Tflops: 67,
    memoryGi: 141, memoryVariantsGi: [141], boostClockMHz: 1980, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 900, switched: true, migCapable: true, scores: s(1, 0.97, 0.97, 0.3),
  },
  {
    vendor: 'nvidia', model: 'nvidia-h100', displayName: 'NVIDIA H100', aliases: ['h100-sxm5', 'h100-pcie', 'h100-nvl'],
    architecture: 'hopper', computeCapability: '9.0', tier: 'premium', cores: 16896, fp32Tflops: 67,
    memoryGi: 80, memoryVariantsGi: [80, 94], boostClockMHz: 1980, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 900, switched: true, migCapable: true, scores: s(0.98, 0.95, 0.95, 0.3),
  },
  {
    vendor: 'nvidia', model: 'nvidia-a100', displayName: 'NVIDIA A100', aliases: ['a100-sxm4', 'a100-pcie', 'a100-80gb', 'a100-40gb'],
    architecture: 'ampere', computeCapability: '8.0', tier: 'premium', cores: 6912, fp32Tflops: 19.5,
    memoryGi: 80, memoryVariantsGi: [40, 80], boostClockMHz: 1410, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 600, switched: true, migCapable: true, scores: s(0.9, 0.88, 0.9, 0.25),
  },
  {
    vendor: 'nvidia', model: 'nvidia-l40s', displayName: 'NVIDIA L40S', aliases: [],
    architecture: 'ada-lovelace', computeCapability: '8.9', tier: 'standard', cores: 18176, fp32Tflops: 91.6,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 2520, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.8, 0.88, 0.55, 0.9),
  },
  {
    vendor: 'nvidia', model: 'nvidia-l40', displayName: 'NVIDIA L40', aliases: [],
    architecture: 'ada-lovelace', computeCapability: '8.9', tier: 'standard', cores: 18176, fp32Tflops: 90.5,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 2490, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.72, 0.82, 0.5, 0.95),
  },
  {
    vendor: 'nvidia', model: 'nvidia-a40', displayName: 'NVIDIA A40', aliases: [],
    architecture: 'ampere', computeCapability: '8.6', tier: 'standard', cores: 10752, fp32Tflops: 37.4,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 1740, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 112.5, switched: false, migCapable: false, scores: s(0.62, 0.7, 0.45, 0.9),
  },
  {
    vendor: 'nvidia', model: 'nvidia-a30', displayName: 'NVIDIA A30', aliases: [],
    architecture: 'ampere', computeCapability: '8.0', tier: 'inference', cores: 3584, fp32Tflops: 10.3,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 1440, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 200, switched: false, migCapable: true, scores: s(0.55, 0.78, 0.7, 0.2),
  },
  {
    vendor: 'nvidia', model: 'nvidia-a10', displayName: 'NVIDIA A10', aliases: ['a10g'],
    architecture: 'ampere', computeCapability: '8.6', tier: 'inference', cores: 9216, fp32Tflops: 31.2,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 1695, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.5, 0.75, 0.35, 0.75),
  },
  {
    vendor: 'nvidia', model: 'nvidia-l4', displayName: 'NVIDIA L4', aliases: [],
    architecture: 'ada-lovelace', computeCapability: '8.9', tier: 'inference', cores: 7424, fp32Tflops: 30.3,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 2040, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.45, 0.8, 0.3, 0.6),
  },
  {
    vendor: 'nvidia', model: 'nvidia-v100', displayName: 'NVIDIA V100', aliases: ['v100-sxm2', 'v100-pcie', 'v100s'],
    architecture: 'volta', computeCapability: '7.0', tier: 'standard', cores: 5120, fp32Tflops: 15.7,
    memoryGi: 32, memoryVariantsGi: [16, 32], boostClockMHz: 1530, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 300, switched: false, migCapable: false, scores: s(0.6, 0.55, 0.75, 0.2),
  },
  {
    vendor: 'nvidia', model: 'nvidia-t4', displayName: 'NVIDIA T4', aliases: [],
    architecture: 'turing', computeCapability: '7.5', tier: 'inference', cores: 2560, fp32Tflops: 8.1,
    memoryGi: 16, memoryVariantsGi: [16], boostClockMHz: 1590, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 32, switched: false, migCapable: false, scores: s(0.3, 0.7, 0.25, 0.45),
  },
  // ---- NVIDIA workstation ----
  {
    vendor: 'nvidia', model: 'nvidia-rtx-a6000', displayName: 'NVIDIA RTX A6000', aliases: ['a6000'],
    architecture: 'ampere', computeCapability: '8.6', tier: 'standard', cores: 10752, fp32Tflops: 38.7,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 1800, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 112.5, switched: false, migCapable: false, scores: s(0.65, 0.72, 0.45, 0.92),
  },
  // ---- NVIDIA GeForce ----
  {
    vendor: 'nvidia', model: 'nvidia-rtx-4090', displayName: 'NVIDIA GeForce RTX 4090', aliases: ['4090'],
    architecture: 'ada-lovelace', computeCapability: '8.9', tier: 'gaming', cores: 16384, fp32Tflops: 82.6,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 2520, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.75, 0.82, 0.4, 1),
  },
  {
    vendor: 'nvidia', model: 'nvidia-rtx-4080', displayName: 'NVIDIA GeForce RTX 4080', aliases: ['4080'],
    architecture: 'ada-lovelace', computeCapability: '8.9', tier: 'gaming', cores: 9728, fp32Tflops: 48.7,
    memoryGi: 16, memoryVariantsGi: [16], boostClockMHz: 2505, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.6, 0.7, 0.3, 0.93),
  },
  {
    vendor: 'nvidia', model: 'nvidia-rtx-3090', displayName: 'NVIDIA GeForce RTX 3090', aliases: ['3090'],
    architecture: 'ampere', computeCapability: '8.6', tier: 'gaming', cores: 10496, fp32Tflops: 35.6,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 1695, multiGpuInterconnect: 'nvlink',
    interconnectBandwidthGBs: 112.5, switched: false, migCapable: false, scores: s(0.6, 0.68, 0.3, 0.88),
  },
  {
    vendor: 'nvidia', model: 'nvidia-rtx-3060', displayName: 'NVIDIA GeForce RTX 3060', aliases: ['3060'],
    architecture: 'ampere', computeCapability: '8.6', tier: 'budget', cores: 3584, fp32Tflops: 12.7,
    memoryGi: 12, memoryVariantsGi: [12], boostClockMHz: 1777, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 32, switched: false, migCapable: false, scores: s(0.3, 0.45, 0.15, 0.7),
  },
  // ---- AMD ----
  {
    vendor: 'amd', model: 'amd-mi300x', displayName: 'AMD Instinct MI300X', aliases: ['mi300x-oam', 'mi300'],
    architecture: 'cdna3', tier: 'premium', cores: 19456, fp32Tflops: 163.4,
    memoryGi: 192, memoryVariantsGi: [192], boostClockMHz: 2100, multiGpuInterconnect: 'infinity-fabric',
    interconnectBandwidthGBs: 896, switched: true, migCapable: false, scores: s(0.96, 0.95, 0.98, 0.2),
  },
  {
    vendor: 'amd', model: 'amd-mi250x', displayName: 'AMD Instinct MI250X', aliases: [],
    architecture: 'cdna2', tier: 'premium', cores: 14080, fp32Tflops: 47.9,
    memoryGi: 128, memoryVariantsGi: [128], boostClockMHz: 1700, multiGpuInterconnect: 'infinity-fabric',
    interconnectBandwidthGBs: 800, switched: false, migCapable: false, scores: s(0.82, 0.78, 0.95, 0.15),
  },
  {
    vendor: 'amd', model: 'amd-mi250', displayName: 'AMD Instinct MI250', aliases: [],
    architecture: 'cdna2', tier: 'premium', cores: 13312, fp32Tflops: 45.3,
    memoryGi: 128, memoryVariantsGi: [128], boostClockMHz: 1700, multiGpuInterconnect: 'infinity-fabric',
    interconnectBandwidthGBs: 800, switched: false, migCapable: false, scores: s(0.8, 0.76, 0.93, 0.15),
  },
  {
    vendor: 'amd', model: 'amd-mi210', displayName: 'AMD Instinct MI210', aliases: [],
    architecture: 'cdna2', tier: 'standard', cores: 6656, fp32Tflops: 22.6,
    memoryGi: 64, memoryVariantsGi: [64], boostClockMHz: 1700, multiGpuInterconnect: 'infinity-fabric',
    interconnectBandwidthGBs: 300, switched: false, migCapable: false, scores: s(0.62, 0.62, 0.82, 0.15),
  },
  {
    vendor: 'amd', model: 'amd-w7900', displayName: 'AMD Radeon Pro W7900', aliases: ['radeon-pro-w7900', 'pro-w7900'],
    architecture: 'rdna3', tier: 'standard', cores: 6144, fp32Tflops: 61.3,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 2495, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.5, 0.6, 0.35, 0.92),
  },
  {
    vendor: 'amd', model: 'amd-rx-7900xtx', displayName: 'AMD Radeon RX 7900 XTX', aliases: ['rx-7900-xtx', 'radeon-rx-7900-xtx', '7900-xtx'],
    architecture: 'rdna3', tier: 'gaming', cores: 6144, fp32Tflops: 61.4,
    memoryGi: 24, memoryVariantsGi: [24], boostClockMHz: 2500, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 64, switched: false, migCapable: false, scores: s(0.45, 0.55, 0.3, 0.92),
  },
  // ---- Intel ----
  {
    vendor: 'intel', model: 'intel-max-1550', displayName: 'Intel Data Center GPU Max 1550', aliases: ['data-center-gpu-max-1550', 'gpu-max-1550', 'pvc-1550'],
    architecture: 'xe-hpc', tier: 'premium', cores: 16384, fp32Tflops: 52.4,
    memoryGi: 128, memoryVariantsGi: [128], boostClockMHz: 1600, multiGpuInterconnect: 'xe-link',
    interconnectBandwidthGBs: 424, switched: true, migCapable: false, scores: s(0.78, 0.75, 0.92, 0.2),
  },
  {
    vendor: 'intel', model: 'intel-max-1100', displayName: 'Intel Data Center GPU Max 1100', aliases: ['data-center-gpu-max-1100', 'gpu-max-1100'],
    architecture: 'xe-hpc', tier: 'standard', cores: 7168, fp32Tflops: 22.2,
    memoryGi: 48, memoryVariantsGi: [48], boostClockMHz: 1550, multiGpuInterconnect: 'xe-link',
    interconnectBandwidthGBs: 212, switched: false, migCapable: false, scores: s(0.55, 0.6, 0.75, 0.2),
  },
  {
    vendor: 'intel', model: 'intel-flex-170', displayName: 'Intel Data Center GPU Flex 170', aliases: ['data-center-gpu-flex-170', 'gpu-flex-170'],
    architecture: 'xe-hpg', tier: 'inference', cores: 4096, fp32Tflops: 16,
    memoryGi: 16, memoryVariantsGi: [16], boostClockMHz: 2050, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 32, switched: false, migCapable: false, scores: s(0.3, 0.6, 0.25, 0.7),
  },
  {
    vendor: 'intel', model: 'intel-arc-a770', displayName: 'Intel Arc A770', aliases: ['a770'],
    architecture: 'xe-hpg', tier: 'gaming', cores: 4096, fp32Tflops: 19.7,
    memoryGi: 16, memoryVariantsGi: [8, 16], boostClockMHz: 2400, multiGpuInterconnect: 'pcie',
    interconnectBandwidthGBs: 32, switched: false, migCapable: false, scores: s(0.3, 0.45, 0.2, 0.8),
  },
];

/** Words that name a vendor, brand, board form or memory type rather than the chip. */
const NOISE = new Set([
  'nvidia', 'amd', 'intel', 'ati', 'tesla', 'geforce', 'quadro', 'instinct', 'radeon', 'graphics',
  'sxm', 'sxm2', 'sxm3', 'sxm4', 'sxm5', 'pcie', 'oam', 'hbm', 'hbm2', 'hbm2e', 'hbm3', 'hbm3e', 'gddr6', 'gddr6x',
  'nvl', 'r', 'tm', 'data', 'center', 'datacenter', 'dc', 'gpu', 'accelerator', 'card', 'series', 'edition',
]);
const VENDOR_WORDS: Record<string, GpuVendor> = {
  nvidia: 'nvidia', tesla: 'nvidia', geforce: 'nvidia', quadro: 'nvidia',
  amd: 'amd', ati: 'amd', instinct: 'amd', radeon: 'amd',
  intel: 'intel',
};

function tokens(raw: string): string[] {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .split('-')
    .filter((t) => t.length > 0);
}

const MEMORY_TOKEN = /^(\d+)(gb|g|gib)$/;

/** The chip-identifying words of a name, noise and memory sizes removed. */
function coreTokens(raw: string): string[] {
  return tokens(raw).filter((t) => !NOISE.has(t) && !MEMORY_TOKEN.test(t));
}

function compactKey(raw: string): string {
  return coreTokens(raw).join('');
}

const BY_KEY: ReadonlyMap<string, GpuModel> = (() => {
  const m = new Map<string, GpuModel>();
  for (const g of GPU_CATALOG) {
    for (const name of [g.model, g.displayName, ...g.aliases]) {
      const k = compactKey(name);
      if (k && !m.has(k)) m.set(k, g);
    }
  }
  return m;
})();

/**
 * Finds a catalog GPU by normalized name, display name, alias or operator product label
 * (`nvidia-h100`, `NVIDIA-H100-80GB-HBM3`, `Tesla-T4`, `AMD-Instinct-MI300X`, `A100 SXM4 40GB`).
 */
export function lookupGpu(model: string): GpuModel | undefined {
  const k = compactKey(model);
  if (!k) return undefined;
  // "Pro" is a brand word in "Radeon Pro W7900" but part of other names, so it is tried both ways.
  return BY_KEY.get(k) ?? BY_KEY.get(k.replace(/^pro/, ''));
}

interface NormalizedModel {
  /** `<vendor>-<chip words>`; the catalog name when known. */
  model: string;
  vendor: GpuVendor | undefined;
  known: GpuModel | undefined;
  /** A memory size written in the product name ("40GB"), GiB. */
  memoryGiHint: number | undefined;
  /** The product name says PCIe (an SXM-class chip on a PCIe board has no NVLink fabric). */
  pcie: boolean;
}

/**
 * Normalizes a GPU product name the way the seeds write model names: lowercased,
 * vendor-prefixed, hyphenated, without brand words, board forms or memory sizes.
 * Unknown models keep their chip words (`NVIDIA-Foo-X9` → `nvidia-foo-x9`).
 */
export function normalizeGpuModel(product: string, vendorHint?: GpuVendor): NormalizedModel {
  const all = tokens(product);
  let vendor: GpuVendor | undefined = vendorHint;
  for (const t of all) {
    const v = VENDOR_WORDS[t];
    if (v) {
      vendor ??= v;
      break;
    }
  }
  let memoryGiHint: number | undefined;
  for (const t of all) {
    const m = MEMORY_TOKEN.exec(t);
    if (m) memoryGiHint = Number(m[1]);
  }
  const pcie = all.includes('pcie');
  const known = lookupGpu(product);
  if (known) return { model: known.model, vendor: known.vendor, known, memoryGiHint, pcie };
  const core = coreTokens(product);
  const model = vendor ? [vendor, ...core].join('-') : core.join('-');
  return { model, vendor, known: undefined, memoryGiHint, pcie };
}

interface InterconnectInfo {
  interconnect: GpuInterconnect;
  /** GB/s per GPU. */
  bandwidthGBs: number;
  /** Only for multi-GPU nodes. */
  topology?: 'all-to-all' | 'nvswitch' | 'ring' | 'mesh';
  /** FLARE's estimate of scaling efficiency across the node's GPUs; only for multi-GPU nodes. */
  multiGpuEfficiency?: number;
}

const PCIE: Omit<InterconnectInfo, 'topology' | 'multiGpuEfficiency'> = { interconnect: 'pcie', bandwidthGBs: 64 };

/**
 * How a node's GPUs talk to each other: a single GPU sits on PCIe; several GPUs of an
 * NVLink/Infinity Fabric/Xe Link part use that fabric unless the board is a PCIe card of an
 * SXM-class chip (switched parts on PCIe boards have no fabric).
 */
export function interconnectFor(gpu: GpuModel, count: number, opts: { pcie?: boolean } = {}): InterconnectInfo {
  if (count <= 1) return { ...PCIE, bandwidthGBs: gpu.multiGpuInterconnect === 'pcie' ? gpu.interconnectBandwidthGBs : 64 };
  if (gpu.multiGpuInterconnect === 'pcie' || (opts.pcie && gpu.switched)) {
    return { ...PCIE, topology: 'mesh', multiGpuEfficiency: 0.75 };
  }
  if (gpu.switched) {
    const topology = gpu.multiGpuInterconnect === 'nvlink' ? 'nvswitch' : 'all-to-all';
    return { interconnect: gpu.multiGpuInterconnect, bandwidthGBs: gpu.interconnectBandwidthGBs, topology, multiGpuEfficiency: 0.95 };
  }
  // Bridged pairs (NVLink bridge, MI250 in-package links): a ring beyond two GPUs.
  return { interconnect: gpu.multiGpuInterconnect, bandwidthGBs: gpu.interconnectBandwidthGBs, topology: 'ring', multiGpuEfficiency: 0.85 };
}
