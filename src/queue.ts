/**
 * Runs tasks in call order, one at a time by default. Local engines are not
 * re-entrant (an ORT session cannot run twice at once, tfjs has one global
 * backend), and a serial order keeps every caller's result its own; only an
 * inference server (`remote.maxConcurrent`) takes several at once.
 *
 * Between tasks the queue yields to the event loop: an inference can resolve
 * through microtasks alone, and without a yield a backlog would run start to
 * finish with no timer (timeouts), input event or paint in between.
 */
export function yieldToEventLoop(): Promise<void> {
  // A message is an ordinary task (no setTimeout 4 ms clamp). Not scheduler.yield():
  // its continuation is prioritised over other tasks, timers included.
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** How a task waits its turn. */
export interface RunOptions {
  /** Runs alone: after every task already started has settled, with none started beside it (dispose). */
  exclusive?: boolean;
}

/**
 * Runs tasks in call order, at most `limit()` at a time (1 unless the engine
 * says otherwise: an inference server takes several requests at once, a local
 * runtime does not). The limit is read each time a task could start, so a
 * classifier that moves from a server to a local backend goes back to one at
 * a time without a new queue; tasks already running finish as they are.
 */
export class TaskQueue {
  readonly #limit: () => number;
  readonly #waiting: { exclusive: boolean; start: () => void }[] = [];
  #running = 0;
  #exclusive = false;
  #pending = 0;

  constructor(limit: () => number = () => 1) {
    this.#limit = limit;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  run<T>(task: () => Promise<T> | T, options: RunOptions = {}): Promise<T> {
    this.#pending++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({
        exclusive: options.exclusive === true,
        start: () => {
          // A task that throws synchronously or rejects settles its own promise only: the queue goes on.
          yieldToEventLoop()
            .then(task)
            .then(resolve, reject)
            .finally(() => {
              this.#running--;
              this.#exclusive = false;
              this.#pending--;
              this.#pump();
            });
        },
      });
      this.#pump();
    });
  }

  /** Starts the tasks at the head that may start now (FIFO: a task never overtakes an earlier one). */
  #pump(): void {
    for (;;) {
      const next = this.#waiting[0];
      if (!next || this.#exclusive) return;
      if (next.exclusive ? this.#running > 0 : this.#running >= Math.max(1, this.#limit())) return;
      this.#waiting.shift();
      this.#running++;
      this.#exclusive = next.exclusive;
      next.start();
    }
  }
}
