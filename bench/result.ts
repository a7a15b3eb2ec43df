// One figure a benchmark reports; bench files return lists of these.

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  p50_us?: number;
  p99_us?: number;
}
