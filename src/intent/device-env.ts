/*
 * Environment variables that choose which GPUs a container sees. The device plugin of the
 * provider hands a pod exactly the GPUs it requested and sets these itself; a value written in the
 * intent (`NVIDIA_VISIBLE_DEVICES=all`) would make the container runtime expose every GPU of the
 * provider's node, those other tenants reserved included. They are therefore errors, wherever the
 * intent would set them (env, secrets).
 */
const DEVICE_ENV = new Map<string, string>([
  ['NVIDIA_VISIBLE_DEVICES', 'NVIDIA container runtime'],
  ['NVIDIA_DRIVER_CAPABILITIES', 'NVIDIA container runtime'],
  ['NVIDIA_MIG_CONFIG_DEVICES', 'NVIDIA container runtime'],
  ['NVIDIA_MIG_MONITOR_DEVICES', 'NVIDIA container runtime'],
  ['CUDA_VISIBLE_DEVICES', 'CUDA'],
  ['ROCR_VISIBLE_DEVICES', 'ROCm'],
  ['HIP_VISIBLE_DEVICES', 'ROCm HIP'],
  ['GPU_DEVICE_ORDINAL', 'ROCm OpenCL'],
  ['ZE_AFFINITY_MASK', 'Intel Level Zero'],
  ['ONEAPI_DEVICE_SELECTOR', 'Intel oneAPI'],
  ['SYCL_DEVICE_FILTER', 'Intel SYCL'],
]);

/** Why `name` may not be set by an intent, or undefined when it may. */
export function deviceEnvProblem(name: string): { message: string; hint: string } | undefined {
  const who = DEVICE_ENV.get(name);
  if (who === undefined) return undefined;
  return {
    message: `${name} selects the GPUs the ${who} exposes to the container; set by an intent it could expose GPUs the intent did not reserve`,
    hint: 'leave it out: the provider gives each pod exactly its gpu.count GPUs and sets the device variables itself; ask for more GPUs with gpu.count',
  };
}
