import { describe, expect, test } from 'vitest';
import { ResilientEngine } from '../src/backends/failover.js';
import type { Engine } from '../src/engines/engine.js';
import type { BackendName } from '../src/types.js';

function fake(backend: BackendName, opts: { lost?: Promise<string>; fail?: Error } = {}): Engine & { disposed: boolean } {
  const e = {
    engine: 'ort' as const,
    backend,
    disposed: false,
    ...(opts.lost ? { lost: opts.lost } : {}),
    run: async () => {
      if (opts.fail) throw opts.fail;
      return new Float32Array([backend === 'wasm' ? 1 : 0]);
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

  test('an ordinary run error is not a loss: it propagates and nothing moves', async () => {
    const re = new ResilientEngine(fake('wasm', { fail: new Error('bad input shape') }), async () => fake('webgl'), () => {});
    await expect(re.run(new Float32Array(1))).rejects.toThrow('bad input shape');
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
});
