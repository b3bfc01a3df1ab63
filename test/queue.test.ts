import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/queue.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe('SerialQueue', () => {
  it('runs tasks one at a time in call order, never overlapping', async () => {
    const queue = new SerialQueue();
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const finished: number[] = [];
    // Later tasks are faster, so without serialisation they would finish first.
    const delays = [30, 10, 0, 5, 1];
    const results = await Promise.all(
      delays.map((ms, i) =>
        queue.run(async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          started.push(i);
          await new Promise((r) => setTimeout(r, ms));
          finished.push(i);
          running--;
          return i * 10;
        }),
      ),
    );
    expect(maxRunning).toBe(1);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(finished).toEqual([0, 1, 2, 3, 4]);
    expect(results).toEqual([0, 10, 20, 30, 40]);
  });

  it('does not start a task until the previous one has settled', async () => {
    const queue = new SerialQueue();
    const first = deferred<string>();
    let secondStarted = false;
    const a = queue.run(() => first.promise);
    const b = queue.run(async () => {
      secondStarted = true;
      return 'b';
    });
    await settle();
    expect(secondStarted).toBe(false);
    first.resolve('a');
    expect(await a).toBe('a');
    expect(await b).toBe('b');
    expect(secondStarted).toBe(true);
  });

  it('a rejected task rejects its own promise only; later tasks still run', async () => {
    const queue = new SerialQueue();
    const boom = new Error('boom');
    const failing = queue.run(async () => {
      throw boom;
    });
    const syncThrow = queue.run(() => {
      throw new Error('sync');
    });
    const later = queue.run(async () => 'ok');
    await expect(failing).rejects.toBe(boom);
    await expect(syncThrow).rejects.toThrow('sync');
    await expect(later).resolves.toBe('ok');
    await expect(queue.run(async () => 7)).resolves.toBe(7);
  });

  it('pending counts queued and running tasks', async () => {
    const queue = new SerialQueue();
    expect(queue.pending).toBe(0);
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((g) => queue.run(() => g.promise));
    expect(queue.pending).toBe(3);

    gates[0]!.resolve();
    await runs[0];
    await settle();
    expect(queue.pending).toBe(2);

    // The queue yields a task before running each task, so it has not attached to this promise
    // yet: mark the deliberate rejection handled so Node does not report it as unhandled.
    gates[1]!.promise.catch(() => {});
    gates[1]!.reject(new Error('fails'));
    await expect(runs[1]).rejects.toThrow('fails');
    await settle();
    expect(queue.pending).toBe(1);

    gates[2]!.resolve();
    await runs[2];
    await settle();
    expect(queue.pending).toBe(0);
  });
});
