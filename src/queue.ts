/**
 * Runs tasks one at a time in call order. Engines are not re-entrant (an ORT
 * session cannot run twice at once, tfjs has one global backend), and a
 * serial order keeps every caller's result its own.
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

export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;

  get pending(): number {
    return this.#pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(yieldToEventLoop).then(task);
    // The chain must survive a failed task, or every later call would reject too.
    this.#tail = result.catch(() => undefined).finally(() => this.#pending--);
    return result;
  }
}
