import { describe, expect, it } from 'vitest';
import { TaskQueue } from '../src/queue.js';

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

describe('TaskQueue', () => {
  it('runs tasks one at a time in call order, never overlapping', async () => {
    const queue = new TaskQueue();
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
    const queue = new TaskQueue();
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
    const queue = new TaskQueue();
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
    const queue = new TaskQueue();
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

  it('with a limit, up to that many run at once, starting in call order', async () => {
    const queue = new TaskQueue(() => 3);
    let running = 0;
    let maxRunning = 0;
    const started: number[] = [];
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => queue.run(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      started.push(i);
      await new Promise((r) => setTimeout(r, 5 + (i % 3) * 5));
      running--;
      return i;
    })));
    expect(maxRunning).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('reads the limit whenever a task could start: lowering it lets the running ones finish, then one at a time', async () => {
    let limit = 4;
    const queue = new TaskQueue(() => limit);
    const gates = Array.from({ length: 6 }, () => deferred());
    const started: number[] = [];
    const runs = gates.map((g, i) => queue.run(async () => {
      started.push(i);
      await g.promise;
    }));
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    limit = 1;
    gates[0]!.resolve();
    await runs[0];
    await settle();
    // Three still run, over the new limit of 1: nothing new starts.
    expect(started).toEqual([0, 1, 2, 3]);
    for (const k of [1, 2, 3]) gates[k]!.resolve();
    await Promise.all(runs.slice(1, 4));
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    gates[4]!.resolve();
    await runs[4];
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    gates[5]!.resolve();
    await runs[5];
  });

  it('an exclusive task waits for every running task and runs alone; later tasks wait for it', async () => {
    const queue = new TaskQueue(() => 4);
    const gates = [deferred(), deferred()];
    const log: string[] = [];
    const a = queue.run(async () => { log.push('a+'); await gates[0]!.promise; log.push('a-'); });
    const b = queue.run(async () => { log.push('b+'); await gates[1]!.promise; log.push('b-'); });
    const x = queue.run(async () => { log.push('x'); }, { exclusive: true });
    const c = queue.run(async () => { log.push('c'); });
    await settle();
    expect(log).toEqual(['a+', 'b+']);
    gates[1]!.resolve();
    await b;
    await settle();
    expect(log).toEqual(['a+', 'b+', 'b-']);
    gates[0]!.resolve();
    await Promise.all([a, x, c]);
    expect(log).toEqual(['a+', 'b+', 'b-', 'a-', 'x', 'c']);
  });
});
