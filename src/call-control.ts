/**
 * Per-call control: an AbortSignal and a deadline race the queued work. The
 * work itself is not interrupted (an inference cannot be), but the caller is
 * answered at once and the queue moves on; an aborted task that has not
 * started yet is skipped when it reaches the head of the queue.
 */
import { ClassifierError } from './errors.js';

export interface Deadline {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export function abortedError(signal: AbortSignal): ClassifierError {
  return new ClassifierError('ABORTED', `The call was aborted${signal.reason !== undefined ? `: ${String(signal.reason)}` : ''}.`, { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/**
 * @param onTimeout - a substitute answer when the deadline passes (e.g. a
 *   stale cached result); without one, or when it returns undefined, TIMEOUT
 */
export function withDeadline<T>(work: Promise<T>, deadline: Deadline, onTimeout?: () => T | undefined): Promise<T> {
  const { signal, timeoutMs } = deadline;
  if (!signal && timeoutMs === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      cleanup();
      reject(abortedError(signal!));
    };
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        const substitute = onTimeout?.();
        if (substitute !== undefined) resolve(substitute);
        else reject(new ClassifierError('TIMEOUT', `No result within ${timeoutMs} ms (option timeoutMs, or calls.timeoutMs); the work continues in the background and fills the cache.`, { details: { timeoutMs } }));
      }, timeoutMs);
    }
    work.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
