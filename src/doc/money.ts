/**
 * Money values in intents and tenants: "5 EUR", "2.50 EUR", 12, "25 EUR/hour".
 * The federation prices in one currency (flare.yaml `currency`, default EUR).
 */
interface Money {
  amount: number;
  currency: string | undefined;
  /** True for the "per hour" spelling ("25 EUR/hour", "3 EUR/h"). */
  perHour: boolean;
}

const MONEY_RE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]{3})?\s*(?:\/\s*(h|hr|hour))?$/;

export function parseMoney(v: unknown): Money | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? { amount: v, currency: undefined, perHour: false } : undefined;
  if (typeof v !== 'string') return undefined;
  const m = MONEY_RE.exec(v.trim());
  if (!m) return undefined;
  return { amount: Number(m[1]), currency: m[2]?.toUpperCase(), perHour: m[3] !== undefined };
}

/** Rounds to cents for display and comparisons that must not drift. */
export function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

