import type { DocReader, Val } from '../doc/yaml-reader.js';
import type { EnvVar } from './model.js';

/*
 * Environment variables that choose which GPUs a container sees. The provider's device plugin
 * hands a pod exactly the GPUs it requested and sets the runtime's variables itself.
 * - Runtime-level variables (`NVIDIA_VISIBLE_DEVICES=all`) make the container runtime expose
 *   devices of the node, other tenants' reserved GPUs included: always an error.
 * - Library-level variables (`CUDA_VISIBLE_DEVICES=0,1`) only pick among the devices the pod was
 *   given, by index: allowed as a list of indices below the GPUs reserved per replica (the seeds
 *   write `CUDA_VISIBLE_DEVICES=0,1` with two GPUs), an error otherwise (`all`, UUIDs, an index
 *   beyond the reservation).
 */
const RUNTIME_ENV = new Map<string, string>([
  ['NVIDIA_VISIBLE_DEVICES', 'NVIDIA container runtime'],
  ['NVIDIA_DRIVER_CAPABILITIES', 'NVIDIA container runtime'],
  ['NVIDIA_MIG_CONFIG_DEVICES', 'NVIDIA container runtime'],
  ['NVIDIA_MIG_MONITOR_DEVICES', 'NVIDIA container runtime'],
]);
const INDEX_ENV = new Map<string, string>([
  ['CUDA_VISIBLE_DEVICES', 'CUDA'],
  ['ROCR_VISIBLE_DEVICES', 'ROCm runtime'],
  ['HIP_VISIBLE_DEVICES', 'ROCm HIP'],
  ['GPU_DEVICE_ORDINAL', 'ROCm OpenCL'],
  ['ZE_AFFINITY_MASK', 'Intel Level Zero'],
]);
const INDEX_LIST_RE = /^\d{1,3}(,\d{1,3}){0,63}$/;
const HINT = 'leave it out: the provider gives each pod exactly its gpu.count GPUs and sets the device variables itself; ask for more GPUs with gpu.count';

/** Why an intent may not set `name` to `value` (any GPU count), or undefined when it may. */
export function deviceEnvProblem(name: string, value: string | undefined): { message: string; hint: string } | undefined {
  const runtime = RUNTIME_ENV.get(name);
  if (runtime !== undefined) {
    return { message: `${name} selects the GPUs the ${runtime} exposes to the container; set by an intent it could expose GPUs the intent did not reserve`, hint: HINT };
  }
  const lib = INDEX_ENV.get(name);
  if (lib === undefined) return undefined;
  if (value === undefined) return { message: `${name} selects the GPUs ${lib} uses and cannot come from a Secret`, hint: HINT };
  if (!INDEX_LIST_RE.test(value)) {
    return { message: `${name}=${JSON.stringify(value.slice(0, 40))} is not a list of device indices of the pod's own GPUs`, hint: `write indices below gpu.count (e.g. ${name}=0), or ${HINT}` };
  }
  return undefined;
}

/** Errors for library-level device indices beyond the GPUs one replica reserves (`env` read without errors from `envVal`). */
export function checkDeviceIndices(r: DocReader, envVal: Val, env: readonly EnvVar[], count: number): boolean {
  const items = r.list(envVal);
  if (!items || items.length !== env.length) return true;
  let ok = true;
  env.forEach((e, i) => {
    if (!INDEX_ENV.has(e.name) || !INDEX_LIST_RE.test(e.value)) return;
    const beyond = e.value.split(',').map(Number).filter((n) => n >= count);
    if (beyond.length === 0) return;
    r.error(items[i]!, 'device-env', `${e.name}=${e.value} names device ${beyond[0]}, beyond the ${count} GPU(s) each replica reserves (indices 0–${count - 1})`, `use indices below gpu.count, or raise gpu.count; ${HINT}`);
    ok = false;
  });
  return ok;
}
