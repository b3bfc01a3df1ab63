/**
 * Every failure of the work the library does (loading, starting, classifying)
 * is a {@link ClassifierError} with a stable `code`, so callers can branch on
 * it without parsing messages. Messages say what was wrong and what is
 * accepted (or which option to change). A wrong *option* is a programming
 * error and is thrown as a `TypeError` naming the option, before anything
 * starts (as lru-cache and onnxruntime-web do).
 */

/** Stable error codes; see the README's "Errors" table. */
export type ClassifierErrorCode =
  | 'UNSUPPORTED_INPUT'
  | 'INPUT_TOO_LARGE'
  | 'DECODE_FAILED'
  | 'MANIFEST_INVALID'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_INTEGRITY'
  | 'NO_BACKEND'
  | 'UNSUPPORTED_ENVIRONMENT'
  | 'ENGINE_UNAVAILABLE'
  | 'WORKER_FAILED'
  | 'BACKEND_LOST'
  | 'DISPOSED'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'QUEUE_FULL'
  | 'INFERENCE_FAILED'
  | 'PREPROCESS_FAILED'
  | 'INVALID_REGION'
  | 'REMOTE_FAILED';

export interface ClassifierErrorOptions {
  /** The underlying error, if any (kept as `error.cause`). */
  cause?: unknown;
  /** Structured facts about the failure (e.g. the manifest field, the byte limit). */
  details?: Readonly<Record<string, unknown>>;
}

export class ClassifierError extends Error {
  override readonly name = 'ClassifierError';
  readonly code: ClassifierErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ClassifierErrorCode, message: string, options: ClassifierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }

  /** Brand that survives realms (iframes, workers) where `instanceof` does not. */
  get isClassifierError(): true {
    return true;
  }
}

/**
 * True for a {@link ClassifierError}, also one from another realm or rebuilt
 * after a worker hop (checked by name and code, like ky's type guards).
 */
export function isClassifierError(error: unknown, code?: ClassifierErrorCode): error is ClassifierError {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { name?: unknown; code?: unknown };
  const branded = error instanceof ClassifierError || (e.name === 'ClassifierError' && typeof e.code === 'string');
  return branded && (code === undefined || e.code === code);
}

/** Message of an unknown thrown value, for wrapping engine errors into ours. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
