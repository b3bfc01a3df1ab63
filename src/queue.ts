/**
 * Runs tasks one at a time in call order. Engines are not re-entrant (an ORT
 * session cannot run twice at once, tfjs has one global backend), and a
 * serial order keeps every caller's result its own.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  get pending(): number {
    return this.#pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(task);
    // The chain must survive a failed task, or every later call would reject too.
    this.#tail = result.catch(() => undefined).finally(() => this.#pending--);
    return result;
  }
}
