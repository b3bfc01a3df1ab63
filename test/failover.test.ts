import { describe, expect, test } from 'vitest';
import { ResilientEngine } from '../src/backends/failover.js';
import type { Engine } from '../src/engines/engine.js';
import type { BackendName } from '../src/types.js';

function fake(backend: BackendName, opts: { lost?: Promise<string>; fail?: Error; output?: number[] } = {}): Engine & { disposed: boolean } {
  const e = {
    engine: 'ort' as const,
    backend,
    maxBatch: 1,
    disposed: false,
    ...(opts.lost ? { lost: opts.lost } : {}),
    run: async () => {
      if (opts.fail) throw opts.fail;
      return new Float32Array(opts.output ?? [backend === 'wasm' ? 1 : 0]);
    },
    dispose: async () => {
      e.disposed = true;
    },
  };
  return e;
}

describe('ResilientEngine', () => {
  test('a lost engine is replaced, the call retried, the change reported', async () => {
    let lose!: (r: string) => void;
    const gpu = fake('webgpu', { lost: new Promise((r) => (lose = r)) });
    const changes: unknown[] = [];
    const re = new ResilientEngine(gpu, async () => fake('wasm'), (c) => changes.push(c));
    expect(Array.from(await re.run(new Float32Array(1)))).toEqual([0]);
    lose('device destroyed');
    await Promise.resolve();
    expect(Array.from(await re.run(new Float32Array(1)))).toEqual([1]);
    expect(changes).toEqual([{ from: 'webgpu', to: 'wasm', reason: 'device destroyed' }]);
    expect(gpu.disposed).toBe(true);
  });

  test('an ordinary run error is not a loss: INFERENCE_FAILED with the cause, and nothing moves', async () => {
    const cause = new Error('bad input shape');
    const re = new ResilientEngine(fake('wasm', { fail: cause }), async () => fake('webgl'), () => {});
    const error = await re.run(new Float32Array(1)).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ClassifierError', code: 'INFERENCE_FAILED', cause, details: { engine: 'ort', backend: 'wasm' } });
    expect((error as Error).message).toContain('bad input shape');
    expect(re.current.backend).toBe('wasm');
  });

  test.each([[Number.NaN], [Number.POSITIVE_INFINITY]])('an output with %s is INFERENCE_FAILED naming the index, not scores', async (bad) => {
    const re = new ResilientEngine(fake('wasm', { output: [0.5, bad, 0.5] }), async () => fake('webgl'), () => {});
    await expect(re.run(new Float32Array(1))).rejects.toMatchObject({ code: 'INFERENCE_FAILED', details: { index: 1 } });
    expect(re.current.backend).toBe('wasm');
  });

  test('no backend left: BACKEND_LOST, and later calls fail at once without restarting again', async () => {
    let restarts = 0;
    const re = new ResilientEngine(fake('webgl', { fail: new Error('CONTEXT_LOST_WEBGL') }), async () => {
      restarts++;
      throw new Error('nothing else works');
    }, () => {});
    await expect(re.run(new Float32Array(1))).rejects.toMatchObject({ code: 'BACKEND_LOST' });
    await expect(re.run(new Float32Array(1))).rejects.toMatchObject({ code: 'BACKEND_LOST' });
    expect(restarts).toBe(1);
  });

  test('a batch larger than the engine takes is run in pieces, rows in order', async () => {
    const sizes: number[] = [];
    // Each image is 2 values; the output row of an image is its first value times 10.
    const engine: Engine = {
      engine: 'ort', backend: 'wasm', maxBatch: 2, dispose: async () => {},
      run: async (input, batch = 1) => {
        sizes.push(batch);
        expect(input.length).toBe(batch * 2);
        return Float32Array.from({ length: batch }, (_, i) => input[i * 2]! * 10);
      },
    };
    const re = new ResilientEngine(engine, async () => engine, () => {});
    const input = Float32Array.from({ length: 10 }, (_, i) => Math.floor(i / 2));
    expect(Array.from(await re.run(input, 5))).toEqual([0, 10, 20, 30, 40]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  test('several runs in flight when the server goes away: one failover, each run answered by its successor', async () => {
    // An inference server (maxConcurrent > 1): three requests in flight fail together.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let lost: string | null = null;
    const server: Engine = {
      engine: 'remote', backend: 'remote', maxBatch: 1, maxConcurrent: 4, dispose: async () => {},
      isLost: () => lost,
      run: async () => {
        await gate;
        lost = 'server unreachable';
        throw new Error('server unreachable');
      },
    };
    let restarts = 0;
    const changes: unknown[] = [];
    // The local engine is not re-entrant: the three retries must reach it one at a time.
    let localRunning = 0;
    let localPeak = 0;
    const local: Engine = {
      engine: 'ort', backend: 'wasm', maxBatch: 1, dispose: async () => {},
      run: async () => {
        localPeak = Math.max(localPeak, ++localRunning);
        await new Promise((r) => setTimeout(r, 5));
        localRunning--;
        return new Float32Array([7]);
      },
    };
    const re = new ResilientEngine(server, async (exclude) => {
      restarts++;
      expect(exclude).toEqual(['remote']);
      await new Promise((r) => setTimeout(r, 10));
      return local;
    }, (c) => changes.push(c));
    const runs = [re.run(new Float32Array(1)), re.run(new Float32Array(1)), re.run(new Float32Array(1))];
    release();
    expect((await Promise.all(runs)).map((o) => Array.from(o))).toEqual([[7], [7], [7]]);
    expect(restarts).toBe(1);
    expect(changes).toEqual([{ from: 'remote', to: 'wasm', reason: 'server unreachable' }]);
    expect(re.current.backend).toBe('wasm');
    expect(re.runs).toBe(3);
    expect(localPeak).toBe(1);
  });

  test('a run that fails on an engine already replaced does not mark its successor lost', async () => {
    let failLate!: () => void;
    const late = new Promise<void>((r) => (failLate = r));
    let calls = 0;
    let lost: string | null = null;
    const server: Engine = {
      engine: 'remote', backend: 'remote', maxBatch: 1, maxConcurrent: 4, dispose: async () => {},
      isLost: () => lost,
      run: async () => {
        calls++;
        if (calls === 1) {
          lost = 'connection reset';
          throw new Error('connection reset');
        }
        await late;
        throw new Error('connection reset, later');
      },
    };
    const local = fake('wasm', { output: [3] });
    let restarts = 0;
    const re = new ResilientEngine(server, async () => {
      restarts++;
      return local;
    }, () => {});
    const first = re.run(new Float32Array(1));
    const second = re.run(new Float32Array(1));
    // The first request fails at once and moves the classifier; the second fails later, on the old server.
    expect(Array.from(await first)).toEqual([3]);
    expect(re.current).toBe(local);
    failLate();
    expect(Array.from(await second)).toEqual([3]);
    expect(restarts).toBe(1);
    expect(re.current).toBe(local);
  });
});
