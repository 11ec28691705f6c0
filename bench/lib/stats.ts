/** Small statistics for the benchmark: medians and percentiles of raw samples. */

export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

/** Rounds for the JSON document: enough digits to compare, no float noise. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** a / b, rounded; NaN when b is not positive. */
export function ratio(a: number, b: number, digits = 2): number {
  return b > 0 ? round(a / b, digits) : Number.NaN;
}

/** Fisher-Yates shuffle: each round runs its series in a new order, so drift hits all alike. */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** A target as the document reports it: what was measured, the limit, and whether it holds. */
export interface Target {
  readonly name: string;
  readonly measured: number;
  readonly limit: number;
  readonly comparison: '<=' | '>=' | '<' | '==';
  readonly met: boolean;
}

export function target(name: string, measured: number, comparison: Target['comparison'], limit: number): Target {
  const met =
    Number.isFinite(measured) &&
    (comparison === '<='
      ? measured <= limit
      : comparison === '>='
        ? measured >= limit
        : comparison === '<'
          ? measured < limit
          : measured === limit);
  return { name, measured, comparison, limit, met };
}
