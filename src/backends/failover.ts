/**
 * Keeps inference going when the GPU backend is lost at run time (a WebGPU
 * device lost or destroyed, a WebGL context lost): the call in flight and
 * every later call move to the next backend in the chain and are retried, so
 * the caller sees a result, not a crash. Each move is reported.
 */
import { concatFloats } from '../bytes.js';
import { ClassifierError, describeError } from '../errors.js';
import type { Engine } from '../engines/engine.js';
import { looksLikeLoss, raceLoss } from '../engines/loss.js';
import type { BackendName } from '../types.js';

export interface BackendChange {
  from: BackendName;
  to: BackendName;
  reason: string;
}

/**
 * A model can produce NaN or Infinity for some inputs (an overflow, a log or
 * sqrt of a negative) even though its warm-up was finite: never report such
 * scores as if they meant something.
 */
function checkedOutput(output: Float32Array, engine: Engine): Float32Array {
  const bad = output.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new ClassifierError('INFERENCE_FAILED', `The model's output has ${String(output[bad])} at index ${bad} for this input (${engine.engine} on ${engine.backend}); no scores are reported for it.`, {
      details: { engine: engine.engine, backend: engine.backend, index: bad },
    });
  }
  return output;
}

export class ResilientEngine {
  #engine: Engine;
  #lost: string | null = null;
  #runs = 0;
  /** Set once no backend could take over: later calls fail at once instead of retrying every backend. */
  #gone: ClassifierError | null = null;
  /** The move off a lost engine, while it runs (shared by every run that found the engine lost). */
  #switching: Promise<void> | null = null;
  /** The last run on an engine that takes one at a time (the next waits for it). */
  #oneAtATime: Promise<unknown> = Promise.resolve();
  readonly #excluded = new Set<BackendName>();
  readonly #restart: (exclude: BackendName[]) => Promise<Engine>;
  readonly #onChange: (change: BackendChange) => void;

  /**
   * @param restart - starts the best remaining backend (init + warm-up), never one in `exclude`
   */
  constructor(engine: Engine, restart: (exclude: BackendName[]) => Promise<Engine>, onChange: (change: BackendChange) => void) {
    this.#engine = engine;
    this.#restart = restart;
    this.#onChange = onChange;
    this.#watch(engine);
  }

  /** Engine runs that returned an output (a batch split in pieces counts each piece). */
  get runs(): number {
    return this.#runs;
  }

  get current(): Engine {
    return this.#engine;
  }

  #watch(engine: Engine): void {
    void engine.lost?.then((reason) => {
      if (this.#engine === engine) this.#lost = reason;
    });
  }

  /**
   * Runs `batch` images (concatenated) and returns their output rows. More
   * than the engine takes at once (a fixed batch dimension; after a failover
   * to ORT WebGL, pinned to 1) are run in pieces.
   */
  async run(input: Float32Array, batch = 1): Promise<Float32Array> {
    if (this.#gone) throw this.#gone;
    for (;;) {
      const engine = this.#engine;
      if (batch > engine.maxBatch) return this.#inPieces(input, batch, engine.maxBatch);
      this.#markLost(engine, engine.isLost?.() ?? null);
      if (!this.#lost) {
        try {
          const running = this.#runOn(engine, input, batch);
          const output = await (engine.lost ? raceLoss(running, engine.lost) : running);
          // Lost while running: the output was read from a dead context and cannot be trusted.
          this.#markLost(engine, engine.isLost?.() ?? null);
          if (engine === this.#engine && !this.#lost) {
            this.#runs++;
            return checkedOutput(output, engine);
          }
        } catch (error) {
          if (error instanceof ClassifierError) throw error;
          this.#markLost(engine, engine.isLost?.() ?? null);
          if (engine === this.#engine && !this.#lost && !looksLikeLoss(error)) {
            // The runtime's own error (a kernel failure, out of memory): typed, and the classifier stays usable.
            throw new ClassifierError('INFERENCE_FAILED', `${engine.engine} on ${engine.backend} failed to run the model: ${describeError(error)}`, {
              cause: error,
              details: { engine: engine.engine, backend: engine.backend },
            });
          }
          this.#markLost(engine, describeError(error));
        }
      }
      await this.#failover(engine);
    }
  }

  /**
   * The encoded image through an image-bytes engine. Null when the engine in
   * use takes tensors: none does image bytes, or the server was lost just now
   * and a local backend took over (the caller then runs the tensor path).
   */
  async runEncoded(image: Blob): Promise<Float32Array | null> {
    if (this.#gone) throw this.#gone;
    const engine = this.#engine;
    if (!engine.runEncoded) return null;
    try {
      const scores = await engine.runEncoded(image);
      this.#runs++;
      return checkedOutput(scores, engine);
    } catch (error) {
      if (error instanceof ClassifierError) throw error;
      this.#markLost(engine, engine.isLost?.() ?? describeError(error));
      await this.#failover(engine);
      return null;
    }
  }

  /**
   * One run on `engine`, one at a time unless it takes several (`maxConcurrent`).
   * The classifier's queue already keeps a local engine to one call; this holds
   * when runs that were in flight on a server move to a local backend together.
   */
  #runOn(engine: Engine, input: Float32Array, batch: number): Promise<Float32Array> {
    if ((engine.maxConcurrent ?? 1) > 1) return engine.run(input, batch);
    const result = this.#oneAtATime.then(() => engine.run(input, batch));
    this.#oneAtATime = result.catch(() => undefined);
    return result;
  }

  /** Records why `engine` is lost, if it is still the one in use (a run that started before a failover must not mark its successor). */
  #markLost(engine: Engine, reason: string | null): void {
    if (engine === this.#engine && reason !== null) this.#lost ??= reason;
  }

  async #inPieces(input: Float32Array, batch: number, size: number): Promise<Float32Array> {
    const perImage = input.length / batch;
    const rows: Float32Array[] = [];
    for (let i = 0; i < batch; i += size) {
      const n = Math.min(size, batch - i);
      rows.push(await this.run(input.slice(i * perImage, (i + n) * perImage), n));
    }
    return concatFloats(rows);
  }

  /**
   * Moves off `from` once, however many runs were in flight on it (an
   * inference server takes several at once): the first failing run starts the
   * next backend and the others wait for it, then retry there.
   */
  #failover(from: Engine): Promise<void> {
    if (from !== this.#engine) return Promise.resolve();
    this.#switching ??= this.#switchFrom(from).finally(() => {
      this.#switching = null;
    });
    return this.#switching;
  }

  async #switchFrom(from: Engine): Promise<void> {
    const reason = this.#lost ?? 'lost';
    this.#excluded.add(from.backend);
    await from.dispose().catch(() => undefined); // its GPU objects are gone already
    let next: Engine;
    try {
      next = await this.#restart([...this.#excluded]);
    } catch (error) {
      this.#gone = new ClassifierError('BACKEND_LOST', `The ${from.backend} backend was lost (${reason}) and no other backend could take over: ${describeError(error)}`, { cause: error, details: { backend: from.backend, reason } });
      throw this.#gone;
    }
    this.#engine = next;
    this.#lost = null;
    this.#watch(next);
    this.#onChange({ from: from.backend, to: next.backend, reason });
  }

  dispose(): Promise<void> {
    return this.#engine.dispose();
  }
}
