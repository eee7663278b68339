/** What one benchmark figure reports: its value, the target, and whether the target is met. */
export interface FigureResult {
  id: number | string;
  what: string;
  value: string;
  target: string;
  met: boolean | 'report';
  /** Raw numbers behind `value`, for bench/results.json. */
  details: Record<string, number | string>;
}

/** The p-th percentile (0-100) of `values`, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Rounds for display. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Resident set size in MiB. */
export function rssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}
