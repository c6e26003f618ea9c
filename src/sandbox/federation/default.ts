import { normalizeFederation, type Federation } from './model.js';

/*
 * The sandbox's default federation, modeled on the providers and prices of the seeds' use cases
 * (fluidos-facts.md, "The seeds' example federation"). `hourly_rate` is per GPU per hour: a seed's
 * "8x H100 €75/hour" node has rate 9.375. Regions follow the location catalog of DEFAULT_CONFIG
 * (EU → eu-*, US-East → us-east-*, Asia-Pacific → ap-*, edge → *edge*).
 *
 * Shipped as TS data (dist/ only holds compiled TS; nothing reads ../shared at run time).
 * Every seed example finds candidates here, and for several of them the cheapest, the fastest
 * and the nearest candidate differ. A few nodes (RTX 4080 Mobile, Intel Arc) match no seed.
 */

const H100 = { vendor: 'nvidia', model: 'nvidia-h100', memory: '80Gi', tier: 'premium', architecture: 'hopper', compute_capability: '9.0', fp32_tflops: 67, cores: '16896', clock_speed: '1980M', training_score: 0.98, inference_score: 0.95, hpc_score: 0.97, graphics_score: 0.5 };
const A100 = { vendor: 'nvidia', model: 'nvidia-a100', memory: '40Gi', tier: 'premium', architecture: 'ampere', compute_capability: '8.0', fp32_tflops: 19.5, cores: '6912', clock_speed: '1410M', training_score: 0.9, inference_score: 0.88, hpc_score: 0.92, graphics_score: 0.4, multi_instance: true, sharing_strategy: 'mig' };
const RTX4090 = { vendor: 'nvidia', model: 'nvidia-rtx-4090', memory: '24Gi', tier: 'gaming', architecture: 'ada-lovelace', compute_capability: '8.9', fp32_tflops: 82.6, cores: '16384', clock_speed: '2520M', training_score: 0.75, inference_score: 0.8, hpc_score: 0.5, graphics_score: 0.98 };
const RTX4080 = { vendor: 'nvidia', model: 'nvidia-rtx-4080', memory: '16Gi', tier: 'gaming', architecture: 'ada-lovelace', compute_capability: '8.9', fp32_tflops: 48.7, cores: '9728', clock_speed: '2505M', training_score: 0.6, inference_score: 0.72, hpc_score: 0.4, graphics_score: 0.95 };
const RTX4080M = { vendor: 'nvidia', model: 'nvidia-rtx-4080-mobile', memory: '12Gi', tier: 'gaming', architecture: 'ada-lovelace', compute_capability: '8.9', fp32_tflops: 33.8, training_score: 0.45, inference_score: 0.6, hpc_score: 0.3, graphics_score: 0.85 };
const T4 = { vendor: 'nvidia', model: 'nvidia-t4', memory: '16Gi', tier: 'inference', architecture: 'turing', compute_capability: '7.5', fp32_tflops: 8.1, cores: '2560', clock_speed: '1590M', training_score: 0.3, inference_score: 0.85, hpc_score: 0.2, graphics_score: 0.4, shared: true, sharing_strategy: 'time-slicing' };
const MI300X = { vendor: 'amd', model: 'amd-mi300x', memory: '192Gi', tier: 'premium', architecture: 'cdna3', fp32_tflops: 163.4, cores: '19456', clock_speed: '2100M', interconnect: 'infinity-fabric', training_score: 0.95, inference_score: 0.93, hpc_score: 0.98, graphics_score: 0.2 };
const ARC = { vendor: 'intel', model: 'intel-arc-a770', memory: '16Gi', tier: 'gaming', architecture: 'alchemist', fp32_tflops: 19.7, training_score: 0.3, inference_score: 0.5, hpc_score: 0.2, graphics_score: 0.8 };

const nvlink = (n: number) => ({ interconnect: 'nvlink', interconnect_bandwidth: n >= 8 ? '900' : '600', topology: n >= 8 ? 'nvswitch' : 'mesh', multi_gpu_efficiency: '0.95' });
// PCIe boards advertise no topology: the annotation reference knows all-to-all, nvswitch, ring and mesh only.
const pcie = { interconnect: 'pcie', interconnect_bandwidth: '64' };

/** The raw document: the same shape a `--federation FILE` has. */
export const DEFAULT_FEDERATION_DOC = {
  providers: [
    {
      name: 'provider-de', domain: 'provider-de.fluidos.eu', nodeID: 'provider-de', ip: '10.10.1.1', liqoClusterId: 'liqo-provider-de',
      region: 'eu-central-1', zone: 'eu-central-1a', latency_ms: 45, bandwidth_gbps: 25,
      nodes: [
        { name: 'h100-8x', cpu: 128, memory: '1024Gi', gpu: { ...H100, ...nvlink(8), count: 8, hourly_rate: 9.375 } },
        { name: 'a100-8x', cpu: 128, memory: '1024Gi', gpu: { ...A100, ...nvlink(8), count: 8, hourly_rate: 10.625 } },
        { name: 'a100-1x', cpu: 16, memory: '128Gi', gpu: { ...A100, ...pcie, count: 1, hourly_rate: 3.5 } },
        { name: 'rtx4090-2x', cpu: 32, memory: '128Gi', gpu: { ...RTX4090, ...pcie, count: 2, hourly_rate: 0.6 } },
        { name: 'rtx4080-1x', cpu: 16, memory: '64Gi', gpu: { ...RTX4080, ...pcie, count: 1, hourly_rate: 0.75 } },
        { name: 'rtx4080-4x-spot', cpu: 64, memory: '256Gi', gpu: { ...RTX4080, ...pcie, count: 4, hourly_rate: 0.35, interruptible: true, pre_emptible: true } },
        { name: 't4-4x', cpu: 32, memory: '128Gi', gpu: { ...T4, ...pcie, count: 4, hourly_rate: 0.2 } },
      ],
    },
    {
      name: 'provider-nl', domain: 'provider-nl.fluidos.eu', nodeID: 'provider-nl', ip: '10.10.2.1', liqoClusterId: 'liqo-provider-nl',
      region: 'eu-west-4', zone: 'eu-west-4a', latency_ms: 25, bandwidth_gbps: 25,
      nodes: [
        { name: 'a100-8x', cpu: 96, memory: '768Gi', gpu: { ...A100, ...nvlink(8), count: 8, hourly_rate: 3.125 } },
        { name: 'h100-8x', cpu: 128, memory: '1024Gi', gpu: { ...H100, ...nvlink(8), count: 8, hourly_rate: 15 } },
        { name: 'a100-2x', cpu: 32, memory: '256Gi', gpu: { ...A100, ...pcie, count: 2, hourly_rate: 3.25 } },
        { name: 'rtx4090-1x', cpu: 16, memory: '64Gi', gpu: { ...RTX4090, ...pcie, count: 1, hourly_rate: 0.65 } },
        { name: 'rtx4080m-1x', cpu: 8, memory: '32Gi', gpu: { ...RTX4080M, ...pcie, count: 1, hourly_rate: 0.14 } },
      ],
    },
    {
      name: 'provider-fr', domain: 'provider-fr.fluidos.eu', nodeID: 'provider-fr', ip: '10.10.3.1', liqoClusterId: 'liqo-provider-fr',
      region: 'eu-west-3', zone: 'eu-west-3a', latency_ms: 35, bandwidth_gbps: 10,
      nodes: [
        { name: 'rtx4090-8x', cpu: 64, memory: '256Gi', gpu: { ...RTX4090, ...nvlink(8), count: 8, hourly_rate: 0.5625 } },
        { name: 'a100-1x', cpu: 16, memory: '128Gi', gpu: { ...A100, ...pcie, count: 1, hourly_rate: 3.3 } },
        { name: 'a100-4x', cpu: 64, memory: '512Gi', gpu: { ...A100, ...nvlink(4), count: 4, hourly_rate: 11.25 } },
        { name: 'rtx4080m-2x', cpu: 16, memory: '64Gi', gpu: { ...RTX4080M, ...pcie, count: 2, hourly_rate: 0.45 } },
      ],
    },
    {
      // The admin guide's example node: 4x H100 at rate 2 in eu-west-1.
      name: 'provider-ie', domain: 'provider-ie.fluidos.eu', nodeID: 'provider-ie', ip: '10.10.4.1', liqoClusterId: 'liqo-provider-ie',
      region: 'eu-west-1', zone: 'eu-west-1a', latency_ms: 30, bandwidth_gbps: 25,
      nodes: [{ name: 'h100-4x', cpu: 64, memory: '256Gi', gpu: { ...H100, ...nvlink(4), count: 4, hourly_rate: 2 } }],
    },
    {
      name: 'provider-se', domain: 'provider-se.fluidos.eu', nodeID: 'provider-se', ip: '10.10.5.1', liqoClusterId: 'liqo-provider-se',
      region: 'eu-north-1', zone: 'eu-north-1a', latency_ms: 40, bandwidth_gbps: 10,
      nodes: [{ name: 'a100-80g-4x', cpu: 64, memory: '512Gi', gpu: { ...A100, ...nvlink(4), memory: '80Gi', count: 4, hourly_rate: 1.8 } }],
    },
    {
      name: 'provider-pl', domain: 'provider-pl.fluidos.eu', nodeID: 'provider-pl', ip: '10.10.6.1', liqoClusterId: 'liqo-provider-pl',
      region: 'eu-central-2', zone: 'eu-central-2a', latency_ms: 30, bandwidth_gbps: 10,
      nodes: [
        { name: 'rtx4080-4x', cpu: 32, memory: '128Gi', gpu: { ...RTX4080, ...pcie, count: 4, hourly_rate: 0.5 } },
        // A second 8x RTX 4090 NVLink node in the EU, dearer than provider-fr's, so the seeds' training job
        // still has a home when cheaper 4090 work has taken part of provider-fr's.
        { name: 'rtx4090-8x', cpu: 64, memory: '256Gi', gpu: { ...RTX4090, ...nvlink(8), count: 8, hourly_rate: 0.7 } },
        { name: 'arc-a770-1x', cpu: 8, memory: '32Gi', gpu: { ...ARC, ...pcie, count: 1, hourly_rate: 0.1 } },
      ],
    },
    {
      name: 'edge-frankfurt', domain: 'edge-frankfurt.fluidos.eu', nodeID: 'edge-frankfurt', ip: '10.20.1.1', liqoClusterId: 'liqo-edge-frankfurt',
      region: 'eu-central-edge-1', zone: 'eu-central-edge-1a', latency_ms: 8, bandwidth_gbps: 10,
      nodes: [{ name: 'rtx4080-2x', cpu: 32, memory: '128Gi', gpu: { ...RTX4080, ...pcie, count: 2, hourly_rate: 0.45, network_tier: 'edge' } }],
    },
    {
      name: 'edge-amsterdam', domain: 'edge-amsterdam.fluidos.eu', nodeID: 'edge-amsterdam', ip: '10.20.2.1', liqoClusterId: 'liqo-edge-amsterdam',
      region: 'eu-west-edge-1', zone: 'eu-west-edge-1a', latency_ms: 12, bandwidth_gbps: 10,
      nodes: [{ name: 'rtx4080-2x', cpu: 32, memory: '128Gi', gpu: { ...RTX4080, ...pcie, count: 2, hourly_rate: 0.75, network_tier: 'edge' } }],
    },
    {
      name: 'edge-milan', domain: 'edge-milan.fluidos.eu', nodeID: 'edge-milan', ip: '10.20.3.1', liqoClusterId: 'liqo-edge-milan',
      region: 'eu-south-edge-1', zone: 'eu-south-edge-1a', latency_ms: 25, bandwidth_gbps: 5,
      nodes: [{ name: 't4-1x', cpu: 8, memory: '32Gi', gpu: { ...T4, ...pcie, count: 1, hourly_rate: 0.25, network_tier: 'edge' } }],
    },
    {
      name: 'edge-vienna', domain: 'edge-vienna.fluidos.eu', nodeID: 'edge-vienna', ip: '10.20.4.1', liqoClusterId: 'liqo-edge-vienna',
      region: 'eu-central-edge-2', zone: 'eu-central-edge-2a', latency_ms: 35, bandwidth_gbps: 2,
      nodes: [{ name: 't4-1x', cpu: 4, memory: '16Gi', gpu: { ...T4, ...pcie, count: 1, hourly_rate: 0.15, network_tier: 'edge' } }],
    },
    {
      name: 'provider-us', domain: 'provider-us.fluidos.eu', nodeID: 'provider-us', ip: '10.30.1.1', liqoClusterId: 'liqo-provider-us',
      region: 'us-east-1', zone: 'us-east-1a', latency_ms: 90, bandwidth_gbps: 10,
      nodes: [
        // The admin guide's AMD example: 2x MI300X at rate 2 in us-east-1.
        { name: 'mi300x-2x', cpu: 96, memory: '1024Gi', gpu: { ...MI300X, count: 2, hourly_rate: 2, topology: 'mesh', interconnect_bandwidth: '896' } },
        { name: 'rtx4080-1x', cpu: 16, memory: '64Gi', gpu: { ...RTX4080, ...pcie, count: 1, hourly_rate: 0.7 } },
        { name: 'rtx4090-1x', cpu: 16, memory: '64Gi', gpu: { ...RTX4090, ...pcie, count: 1, hourly_rate: 0.85 } },
      ],
    },
    {
      name: 'provider-sg', domain: 'provider-sg.fluidos.eu', nodeID: 'provider-sg', ip: '10.40.1.1', liqoClusterId: 'liqo-provider-sg',
      region: 'ap-southeast-1', zone: 'ap-southeast-1a', latency_ms: 180, bandwidth_gbps: 5,
      nodes: [
        { name: 'a100-1x', cpu: 16, memory: '128Gi', gpu: { ...A100, ...pcie, count: 1, hourly_rate: 2.4 } },
        { name: 'rtx4080-2x', cpu: 32, memory: '128Gi', gpu: { ...RTX4080, ...pcie, count: 2, hourly_rate: 0.55 } },
      ],
    },
    {
      name: 'provider-jp', domain: 'provider-jp.fluidos.eu', nodeID: 'provider-jp', ip: '10.40.2.1', liqoClusterId: 'liqo-provider-jp',
      region: 'ap-northeast-1', zone: 'ap-northeast-1a', latency_ms: 160, bandwidth_gbps: 5,
      nodes: [{ name: 'rtx4080-1x', cpu: 16, memory: '64Gi', gpu: { ...RTX4080, ...pcie, count: 1, hourly_rate: 0.5 } }],
    },
  ],
};

/** A fresh copy of the default federation, normalized. */
export function defaultFederation(): Federation {
  return normalizeFederation(structuredClone(DEFAULT_FEDERATION_DOC), 'default-federation');
}
