/** Benchmarks print one JSON object per line; this keeps their shape the same everywhere. */
export interface BenchLine {
  /** Benchmark name, e.g. "connection.frames". */
  readonly bench: string;
  /** What was measured, e.g. "frames_per_s". */
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** Same measure for the baseline run in the same process (bare ws, JSON.parse...). */
  readonly baseline?: number;
  readonly baselineName?: string;
  /** value / baseline. */
  readonly ratio?: number;
  readonly [extra: string]: unknown;
}

export function report(line: BenchLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function withRatio(line: BenchLine & { readonly baseline: number }): BenchLine {
  const value: number = line.value;
  return { ...line, ratio: Number((value / line.baseline).toFixed(3)) };
}
