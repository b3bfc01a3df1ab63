/**
 * "Median of N timed runs": how backend selection and tier selection both
 * decide what is fast (one run is noise; the median of a few after warm-up
 * is what the user will see).
 */
export const TIMED_RUNS = 3;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs `run` `n` times one after another; the median of what each call measured (its own timer). */
export async function medianOfRuns(run: () => Promise<number>, n = TIMED_RUNS): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await run());
  return median(times);
}

/** Wall-clock ms of one call. */
export async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}
