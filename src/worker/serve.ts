/**
 * The worker side of `createClassifier({ worker: true })`: creates an ordinary
 * in-page {@link Classifier} inside the worker (OffscreenCanvas preprocessing,
 * engines, result cache all live here) and exposes it to the page through
 * comlink as {@link WorkerApi}. Every reply is a record (result or error) plus
 * the classifier's current state, so the page's proxy can answer `backend`,
 * `fallbacks` and `stats()` without a round trip.
 */
import * as Comlink from 'comlink';
import type { BackendChange } from '../backends/failover.js';
import { adoptRemembered, rememberedEntries } from '../backends/remember-sync.js';
import { blobKeysOf, type PageClassifier } from '../classifier.js';
import { createResolved, type EntryPoint } from '../create.js';
import { ClassifierError } from '../errors.js';
import { isBlob } from '../input/decode.js';
import type { ClassificationResult, ClassifyBatchOptions } from '../types.js';
import { type Reply, toWireError, type WireCallOptions, type WireState, type WorkerApi, type WorkerCallbacks } from './protocol.js';

/**
 * Gives this call's Blobs the keys the page remembers for them. Only a lookup hint: the
 * classifier uses a remembered key only while the cache holds it, else reads and hashes.
 */
function adoptContentKeys(clf: PageClassifier, inputs: readonly unknown[], keys: readonly (string | null)[]): void {
  const known = blobKeysOf(clf);
  inputs.forEach((input, i) => {
    const key = keys[i];
    if (isBlob(input) && typeof key === 'string') known.set(input, key);
  });
}

/** The keys the classifier now has for this call's Blobs (null for other inputs), for the page to remember. */
function contentKeysOf(clf: PageClassifier, inputs: readonly unknown[]): (string | null)[] | undefined {
  if (!inputs.some(isBlob)) return undefined;
  const known = blobKeysOf(clf);
  return inputs.map((input) => (isBlob(input) ? known.get(input) ?? null : null));
}

/** Serves one classifier from this worker (the worker scripts call it once). */
export function serveClassifier(entry: Pick<EntryPoint, 'loaders'>): void {
  let clf: PageClassifier | null = null;
  /** AbortControllers of calls whose page-side signal can still fire, by call id. */
  const controllers = new Map<number, AbortController>();

  const state = (): WireState | null => (clf ? { backend: clf.backend, engine: clf.engine, fallbacks: [...clf.fallbacks], stats: clf.stats() } : null);

  const notCreated = () => new ClassifierError('DISPOSED', 'This classifier was disposed; create a new one with createClassifier().');

  /** Runs one call: its result (transferring `buffers`) or its error, as a record. */
  async function reply<T>(id: number | null, options: WireCallOptions | null, work: (signal: AbortSignal | undefined) => Promise<T>, buffers: (value: T) => ArrayBuffer[] = () => [], inputs: readonly unknown[] = []): Promise<Reply<T>> {
    let controller: AbortController | undefined;
    if (id !== null && options?.aborts) {
      controller = new AbortController();
      controllers.set(id, controller);
    }
    try {
      if (clf && options?.contentKeys) adoptContentKeys(clf, inputs, options.contentKeys);
      const value = await work(controller?.signal);
      const contentKeys = clf ? contentKeysOf(clf, inputs) : undefined;
      // A buffer listed twice cannot be transferred: list each once.
      return Comlink.transfer({ ok: true, value, state: state(), ...(contentKeys ? { contentKeys } : {}) }, [...new Set(buffers(value))]);
    } catch (error) {
      return { ok: false, error: toWireError(error), state: state() };
    } finally {
      if (id !== null) controllers.delete(id);
    }
  }

  const callOptions = (options: WireCallOptions, signal: AbortSignal | undefined): ClassifyBatchOptions => {
    const { aborts: _aborts, contentKeys: _keys, ...rest } = options ?? {};
    return signal ? { ...rest, signal } : rest;
  };

  const live = (): PageClassifier => {
    if (!clf) throw notCreated();
    return clf;
  };

  const scoresOf = (r: ClassificationResult) => [r.scores.buffer as ArrayBuffer];

  /**
   * Bitmaps and frames posted with a call are this worker's copies: freed when
   * the call is done. Not after TIMEOUT or ABORTED: the work may still be
   * running (it goes on to fill the cache), so those are left to GC.
   */
  const freeing = <T>(inputs: readonly unknown[], work: Promise<T>): Promise<T> => {
    const free = () => {
      for (const input of inputs) if (input instanceof ImageBitmap || (typeof VideoFrame !== 'undefined' && input instanceof VideoFrame)) input.close();
    };
    return work.then((value) => {
      free();
      return value;
    }, (error: unknown) => {
      if (!(error instanceof ClassifierError && (error.code === 'TIMEOUT' || error.code === 'ABORTED'))) free();
      throw error;
    });
  };

  const api: WorkerApi = {
    create: (options, callbacks: WorkerCallbacks, remembered) => reply(null, null, async () => {
      if (clf) throw new Error('this worker already serves a classifier');
      adoptRemembered(remembered);
      // A throwing page callback must not fail the load: its error stays in the page.
      const created = await createResolved({
        ...options,
        onProgress: (p) => void Promise.resolve(callbacks.progress(p)).catch(() => {}),
        // The page is told through the backendchange event below.
        onBackendChange: () => {},
      }, entry);
      clf = created;
      created.addEventListener('backendchange', (event) => {
        const change = (event as CustomEvent<BackendChange>).detail;
        void Promise.resolve(callbacks.backendChange(change, state()!)).catch(() => {});
      });
      return {
        info: { capabilities: [...created.capabilities], adapter: created.adapter, selection: created.selection, manifest: created.manifest, labels: [...created.labels] },
        remembered: rememberedEntries(),
      };
    }),
    classify: (id, input, options) => reply(id, options, (signal) => freeing([input], live().classify(input, callOptions(options, signal))), scoresOf, [input]),
    classifyBatch: (id, inputs, options) => reply(id, options, (signal) => freeing(inputs, live().classifyBatch(inputs, callOptions(options, signal))), (rs) => rs.flatMap(scoresOf), inputs),
    classifyTensor: (id, tensor, options) => reply(id, options, (signal) => live().classifyTensor(tensor, callOptions(options, signal)), scoresOf),
    preprocess: (id, input, options) => reply(id, null, () => freeing([input], live().preprocess(input, options)), (t) => [t.buffer as ArrayBuffer]),
    abort(id) {
      controllers.get(id)?.abort(new ClassifierError('ABORTED', 'The call was aborted in the page.'));
    },
    async dispose() {
      await clf?.dispose();
    },
  };
  Comlink.expose(api);
}
