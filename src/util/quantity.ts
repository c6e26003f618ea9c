import { own } from './own.js';
/**
 * Kubernetes resource quantities ("500m", "8", "32Gi", "1.5G", "1e3"). Parsed to a plain
 * number of base units; precise enough for comparisons of GPU memory, CPU and sizes.
 */
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY_RE = /^([+]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** True when `s` is a well-formed non-negative quantity. */
export function isQuantity(s: string): boolean {
  return QUANTITY_RE.test(s);
}

/** Parses a quantity to base units; undefined when malformed. Numbers pass through. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : undefined;
  const m = QUANTITY_RE.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  const mult = own(BINARY, suffix) ?? own(DECIMAL, suffix);
  return mult === undefined ? undefined : base * mult;
}

/** Compares two quantities; NaN-safe (malformed sorts first). */
export function compareQuantity(a: string | number, b: string | number): number {
  return (parseQuantity(a) ?? -1) - (parseQuantity(b) ?? -1);
}

/** Bytes → the largest exact binary unit ("48Gi", "512Mi"), falling back to a rounded Gi. */
export function formatBytes(bytes: number): string {
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const v = bytes / BINARY[unit]!;
    if (v >= 1 && Number.isInteger(v)) return `${v}${unit}`;
  }
  return Number.isInteger(bytes) ? String(bytes) : `${Math.round(bytes / 2 ** 30)}Gi`;
}

/** Durations like "2h", "30m", "45s", "1h30m", "1d" → seconds; undefined when malformed. */
export function parseDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/g;
  const trimmed = s.trim();
  if (!/^(\d+(?:\.\d+)?(ms|d|h|m|s))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const m of trimmed.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2];
    total += unit === 'd' ? n * 86400 : unit === 'h' ? n * 3600 : unit === 'm' ? n * 60 : unit === 's' ? n : n / 1000;
  }
  return total;
}
