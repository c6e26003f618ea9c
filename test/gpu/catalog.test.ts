import { describe, expect, it } from 'vitest';
import { GPU_CATALOG, interconnectFor, lookupGpu, normalizeGpuModel } from '../../src/gpu/catalog.js';

describe('GPU catalog', () => {
  it('has unique, vendor-prefixed model names and sane figures', () => {
    const names = GPU_CATALOG.map((g) => g.model);
    expect(new Set(names).size).toBe(names.length);
    for (const g of GPU_CATALOG) {
      expect(g.model.startsWith(`${g.vendor}-`)).toBe(true);
      expect(g.model).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(g.cores).toBeGreaterThan(0);
      expect(g.fp32Tflops).toBeGreaterThan(0);
      expect(g.memoryVariantsGi).toContain(g.memoryGi);
      for (const v of Object.values(g.scores)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      if (g.vendor === 'nvidia') expect(g.computeCapability).toMatch(/^\d+\.\d+$/);
      else expect(g.computeCapability).toBeUndefined();
    }
  });

  it('covers the models the seeds and the brief name', () => {
    for (const m of [
      'nvidia-h100', 'nvidia-h200', 'nvidia-a100', 'nvidia-l40s', 'nvidia-a10', 'nvidia-rtx-4090', 'nvidia-rtx-4080',
      'nvidia-rtx-3090', 'nvidia-rtx-a6000', 'nvidia-v100', 'nvidia-t4', 'amd-mi300x', 'amd-mi250', 'amd-mi250x',
      'amd-w7900', 'amd-rx-7900xtx', 'intel-max-1550', 'intel-arc-a770',
    ]) {
      expect(lookupGpu(m)?.model, m).toBe(m);
    }
  });

  it.each([
    ['NVIDIA-A100-SXM4-40GB', 'nvidia-a100'],
    ['NVIDIA-A100-SXM4-80GB', 'nvidia-a100'],
    ['NVIDIA-A100', 'nvidia-a100'],
    ['NVIDIA-A10', 'nvidia-a10'],
    ['NVIDIA-RTX-A6000', 'nvidia-rtx-a6000'],
    ['NVIDIA-H100-80GB-HBM3', 'nvidia-h100'],
    ['NVIDIA-H100-PCIe', 'nvidia-h100'],
    ['Tesla-T4', 'nvidia-t4'],
    ['Tesla-V100-SXM2-16GB', 'nvidia-v100'],
    ['NVIDIA-GeForce-RTX-4090', 'nvidia-rtx-4090'],
    ['AMD-Instinct-MI300X', 'amd-mi300x'],
    ['AMD_Instinct_MI300X_OAM', 'amd-mi300x'],
    ['AMD-Radeon-Pro-W7900', 'amd-w7900'],
    ['AMD Radeon RX 7900 XTX', 'amd-rx-7900xtx'],
    ['Intel(R) Data Center GPU Max 1550', 'intel-max-1550'],
    ['Intel Arc A770 Graphics', 'intel-arc-a770'],
  ])('resolves operator product %s to %s', (product, model) => {
    expect(lookupGpu(product)?.model).toBe(model);
    expect(normalizeGpuModel(product).model).toBe(model);
  });

  it('does not confuse similar names', () => {
    expect(lookupGpu('nvidia-a1000')).toBeUndefined();
    expect(lookupGpu('amd-mi100')).toBeUndefined();
    expect(lookupGpu('')).toBeUndefined();
  });

  it('normalizes unknown products without inventing a catalog entry', () => {
    const n = normalizeGpuModel('NVIDIA-Blackwell-B300-SXM6-288GB');
    expect(n.known).toBeUndefined();
    expect(n.vendor).toBe('nvidia');
    expect(n.model).toBe('nvidia-blackwell-b300-sxm6');
    expect(n.memoryGiHint).toBe(288);
    expect(normalizeGpuModel('Foo X9', 'amd').model).toBe('amd-foo-x9');
  });

  it('reads memory and board hints from the product name', () => {
    expect(normalizeGpuModel('NVIDIA-A100-SXM4-40GB').memoryGiHint).toBe(40);
    expect(normalizeGpuModel('NVIDIA-H100-PCIe').pcie).toBe(true);
    expect(normalizeGpuModel('NVIDIA-H100-80GB-HBM3').pcie).toBe(false);
  });

  it('derives the interconnect from the GPU count', () => {
    const h100 = lookupGpu('nvidia-h100')!;
    expect(interconnectFor(h100, 1).interconnect).toBe('pcie');
    const eight = interconnectFor(h100, 8);
    expect(eight.interconnect).toBe('nvlink');
    expect(eight.topology).toBe('nvswitch');
    expect(eight.bandwidthGBs).toBe(900);
    expect(interconnectFor(h100, 2, { pcie: true }).interconnect).toBe('pcie');
    expect(interconnectFor(lookupGpu('amd-mi300x')!, 8).interconnect).toBe('infinity-fabric');
    expect(interconnectFor(lookupGpu('nvidia-rtx-4090')!, 8).interconnect).toBe('pcie');
    expect(interconnectFor(lookupGpu('nvidia-rtx-a6000')!, 2).topology).toBe('ring');
  });
});
