import { describe, expect, it } from 'vitest';
import { offerFromCandidate } from '../../src/select/offer.js';
import { locationMatcher, locationsOf } from '../../src/select/location.js';
import { explainDecision } from '../../src/select/explain.js';
import { rank } from '../../src/select/rank.js';
import { config, gpu, intent, pc } from './helpers.js';

describe('offerFromCandidate', () => {
  it('parses the fork spellings: strings for numbers, quantities, booleans, latency property', () => {
    const o = offerFromCandidate(
      pc('x', {
        gpu: gpu({ count: '8', hourly_rate: '2.5', fp32_tflops: '67', multi_gpu_efficiency: '0.92', memory: '80Gi', cores: '16896', clock_speed: '1.98G', shared: 'true', network_latency_ms: undefined, MODEL: 'ignored' }),
        latencyProperty: 50,
      }),
    );
    expect(o).toMatchObject({
      name: 'x',
      flavor: 'flavor-x',
      provider: 'provider-a',
      count: 8,
      hourly_rate: 2.5,
      fp32_tflops: 67,
      multi_gpu_efficiency: 0.92,
      memoryBytes: 80 * 2 ** 30,
      cores: 16896,
      clockHz: 1.98e9,
      shared: true,
      dedicated: false,
      latency_ms: 50,
      cpu: 64,
      hostMemoryBytes: 256 * 2 ** 30,
      available: true,
      hasGpu: true,
    });
    expect(o.scores).toEqual({ training: 0.9, inference: 0.88 });
  });

  it('owner, provider fallback and availability', () => {
    const noProvider = offerFromCandidate(pc('y', { gpu: gpu({ provider: undefined }), owner: { domain: 'd.eu', nodeID: '', ip: '1.2.3.4' } }));
    expect(noProvider.provider).toBe('d.eu');
    expect(noProvider.owner).toEqual({ domain: 'd.eu', nodeID: '', ip: '1.2.3.4' });
    expect(offerFromCandidate(pc('z', { gpu: gpu(), available: false })).available).toBe(false);
    const bare = offerFromCandidate({ apiVersion: 'advertisement.fluidos.eu/v1alpha1', kind: 'PeeringCandidate', metadata: { name: 'bare' } });
    expect(bare).toMatchObject({ name: 'bare', hasGpu: false, count: 0, available: true });
  });
});

describe('location catalog', () => {
  it('matches catalog names case-insensitively, anchors patterns, treats unknown names as regions', () => {
    const c = config();
    expect(locationMatcher('eu', c)('eu-west-1')).toBe(true);
    expect(locationMatcher('EU', c)('neu-west-1')).toBe(false);
    expect(locationMatcher('EU', c)('eu-west-1.x')).toBe(false);
    expect(locationMatcher('edge', c)('eu-edge-3')).toBe(true);
    expect(locationMatcher('us-west-2', c)('us-west-2')).toBe(true);
    expect(locationMatcher('us-west-2', c)('us-west-20')).toBe(false);
    expect(locationMatcher('any', c)(undefined)).toBe(true);
    expect(locationMatcher('EU', c)(undefined)).toBe(false);
  });
  it('locationsOf lists covering locations narrowest first', () => {
    expect(locationsOf('us-east-1', config())).toEqual(['US-East', 'US']);
    expect(locationsOf('mars-1', config())).toEqual([]);
  });
});

describe('determinism and explanation of a NoMatch', () => {
  it('the same input gives the same decision, and explain lists the suggestions', () => {
    const i = intent({ constraints: { max_hourly_cost: 3 } });
    const cands = [pc('a', { gpu: gpu({ hourly_rate: 3.5 }) }), pc('b', { gpu: gpu({ hourly_rate: 4 }) })];
    const d1 = rank({ intent: i, config: config(), candidates: cands });
    const d2 = rank({ intent: i, config: config(), candidates: [...cands].reverse() });
    expect(JSON.stringify(d2)).toBe(JSON.stringify(d1));
    const lines = explainDecision(d1);
    expect(lines[0]).toBe('no feasible candidate');
    expect(lines).toContain('rejected a (nvidia-a100 from provider-a): constraints.max_hourly_cost: 3.50 EUR/h for 1 GPU > max 3.00 EUR/h');
    expect(lines.filter((l) => l.startsWith('suggestion: raise max_hourly_cost to '))).toHaveLength(2);
    expect(lines.some((l) => l.endsWith('set constraints.max_hourly_cost = "3.50 EUR"'))).toBe(true);
  });
});
