import { own } from '../util/own.js';
import { isQuantity } from '../util/quantity.js';
import { levenshtein } from '../util/did-you-mean.js';
import { DOCUMENTED_KEYS, FORK_SPELLING, K, documentedKey, isFluidosKey } from './keys.js';

/** One broken rule of the annotation reference, on one annotation. */
export interface Violation {
  key: string;
  value?: string;
  message: string;
}

const VENDORS = ['nvidia', 'amd', 'intel', 'custom'];
const TIERS = ['premium', 'standard', 'gaming', 'inference', 'budget'];
const SHARING = ['mig', 'sriov', 'time-slicing', 'mps', 'none'];
const INTERCONNECTS = ['nvlink', 'nvswitch', 'infiniband', 'pcie', 'infinity-fabric', 'xe-link'];
const TOPOLOGIES = ['all-to-all', 'nvswitch', 'ring', 'mesh'];
const LOWER_HYPHEN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const NUMBER = /^(\d+(\.\d+)?|\.\d+)$/;

type Rule = (v: string) => string | undefined;

const oneOf =
  (allowed: string[]): Rule =>
  (v) =>
    allowed.includes(v) ? undefined : `must be one of ${allowed.join(', ')}`;
const bool: Rule = (v) => (v === 'true' || v === 'false' ? undefined : 'must be lowercase true or false');
const nonNegNumber: Rule = (v) => (NUMBER.test(v) ? undefined : 'must be a non-negative number');
const score: Rule = (v) => (NUMBER.test(v) && Number(v) <= 1 ? undefined : 'must be a number between 0 and 1');
const positiveInt: Rule = (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'must be a positive integer');
const lowerHyphen: Rule = (v) => (LOWER_HYPHEN.test(v) ? undefined : 'must be lowercase letters and digits separated by hyphens');
const quantity: Rule = (v) => (isQuantity(v) ? undefined : 'must be a quantity (e.g. 16896, 1.98G)');

const RULES: Record<string, Rule> = {
  [K.vendor]: oneOf(VENDORS),
  [K.model]: (v) =>
    /^(nvidia|amd|intel|custom)-[a-z0-9]+(-[a-z0-9]+)*$/.test(v)
      ? undefined
      : 'must be lowercase, hyphenated and vendor-prefixed (nvidia-, amd-, intel-, custom-), e.g. nvidia-h100',
  [K.count]: positiveInt,
  [K.memory]: (v) => (/^\d+(\.\d+)?Gi$/.test(v) ? undefined : 'must be a quantity in Gi, e.g. 80Gi'),
  [K.tier]: oneOf(TIERS),
  [K.architecture]: lowerHyphen,
  [K.computeCapability]: (v) => (/^\d+\.\d+$/.test(v) ? undefined : 'must be major.minor, e.g. 8.6'),
  [K.fp32Tflops]: nonNegNumber,
  [K.cores]: quantity,
  [K.clockSpeed]: quantity,
  [K.interconnect]: oneOf(INTERCONNECTS),
  [K.interconnectBandwidth]: nonNegNumber,
  [K.topology]: oneOf(TOPOLOGIES),
  [K.multiGpuEfficiency]: score,
  [K.shared]: bool,
  [K.sharingStrategy]: oneOf(SHARING),
  [K.dedicated]: bool,
  [K.interruptible]: bool,
  [K.migCapable]: bool,
  [K.region]: lowerHyphen,
  [K.zone]: lowerHyphen,
  [K.hourlyRate]: nonNegNumber,
  [K.currency]: (v) => (v === 'EUR' ? undefined : 'must be EUR (the only currency FLUIDOS prices in today)'),
  [K.provider]: (v) => (v.trim() !== '' ? undefined : 'must not be empty'),
  [K.preemptible]: bool,
  [K.trainingScore]: score,
  [K.inferenceScore]: score,
  [K.hpcScore]: score,
  [K.graphicsScore]: score,
  [K.networkBandwidth]: nonNegNumber,
  [K.networkLatency]: nonNegNumber,
  [K.networkTier]: lowerHyphen,
};

const KNOWN_SPELLINGS: readonly string[] = [...DOCUMENTED_KEYS, ...Object.values(FORK_SPELLING)];

/** The closest known key, when close enough to be a typo. */
function suggestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of KNOWN_SPELLINGS) {
    const d = levenshtein(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  const name = key.slice(key.indexOf('/') + 1);
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? documentedKey(best) : undefined;
}

/**
 * Checks node annotations against the annotation reference (fluidos-facts.md). Keys outside the
 * FLUIDOS namespaces are ignored; both the documented and the fork's spelling are accepted, but
 * giving both with different values is a violation. Returns every violation, in key order.
 */
export function checkAnnotations(annotations: Readonly<Record<string, string>>): Violation[] {
  const out: Violation[] = [];
  const seen = new Map<string, { key: string; value: string }>();
  for (const key of Object.keys(annotations).sort()) {
    if (!isFluidosKey(key)) continue;
    const value = annotations[key]!;
    const doc = documentedKey(key);
    const rule = own(RULES, doc);
    if (!rule) {
      const hint = suggestKey(key);
      out.push({ key, value, message: `unknown annotation${hint ? `; did you mean ${hint}?` : ''}` });
      continue;
    }
    const other = seen.get(doc);
    if (other && other.value !== value) {
      out.push({ key, value, message: `conflicts with ${other.key}=${other.value} (two spellings of one annotation)` });
    }
    seen.set(doc, { key, value });
    const problem = rule(value);
    if (problem) out.push({ key, value, message: problem });
  }
  const model = seen.get(K.model)?.value;
  const vendor = seen.get(K.vendor)?.value;
  if (model && vendor && VENDORS.includes(vendor) && !RULES[K.model]!(model) && !model.startsWith(`${vendor}-`)) {
    out.push({ key: K.model, value: model, message: `does not match ${K.vendor}=${vendor} (expected prefix ${vendor}-)` });
  }
  if ([...seen.keys()].some((k) => k.startsWith('gpu.fluidos.eu/'))) {
    for (const required of [K.model, K.count, K.memory]) {
      if (!seen.has(required)) out.push({ key: required, message: 'missing (required on a GPU node)' });
    }
  }
  return out;
}
