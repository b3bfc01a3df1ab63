/**
 * Measured choice: when the probes cannot say which backend is fastest (an
 * integrated or unrecognised GPU against WASM), start each plausible one and
 * time a few inferences. A candidate that does not initialise within its
 * share of the budget is abandoned (disposed once its init finishes).
 */
import type { Engine } from '../engines/engine.js';
import { describeError } from '../errors.js';
import type { LocalBackendName } from '../types.js';
import { medianOfRuns, timed } from '../timing.js';

export interface Measurement {
  backend: LocalBackendName;
  engine?: Engine;
  ms?: number;
  status: 'measured' | 'failed' | 'abandoned';
  reason?: string;
}

/**
 * The engine, or 'timeout' when `pending` has not settled within `ms`; an
 * engine that starts after its deadline is disposed then.
 */
export async function raceInit(pending: Promise<Engine>, ms: number): Promise<Engine | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    const winner = await Promise.race([pending, timeout]);
    if (winner === 'timeout') pending.then((e) => e.dispose(), () => undefined);
    return winner;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * @param start - initialises the backend and runs its warm-up; rejects when it does not work
 * @param mismatch - errors that no other backend can fix; rethrown at once
 */
export async function measureCandidates(candidates: LocalBackendName[], budgetMs: number, start: (b: LocalBackendName) => Promise<Engine>, input: Float32Array, mismatch: (e: unknown) => boolean): Promise<Measurement[]> {
  const share = budgetMs / Math.max(1, candidates.length);
  const results: Measurement[] = [];
  for (const backend of candidates) {
    let engine: Engine | 'timeout';
    try {
      engine = await raceInit(start(backend), share);
    } catch (error) {
      if (mismatch(error)) {
        await Promise.all(results.map((r) => r.engine?.dispose().catch(() => undefined)));
        throw error;
      }
      results.push({ backend, status: 'failed', reason: describeError(error) });
      continue;
    }
    if (engine === 'timeout') {
      results.push({ backend, status: 'abandoned', reason: `did not initialise within its ${Math.round(share)} ms share of selection.budgetMs` });
      continue;
    }
    let ms: number;
    try {
      ms = await medianOfRuns(() => timed(() => engine.run(input)));
    } catch (error) {
      // A backend that starts but cannot run counts as failed, like one that cannot start.
      await engine.dispose().catch(() => undefined);
      results.push({ backend, status: 'failed', reason: describeError(error) });
      continue;
    }
    results.push({ backend, engine, ms, status: 'measured' });
  }
  return results;
}
