/**
 * createClassifier: check the environment and the options, then load and
 * verify the model, probe the backends, choose one (init + warm-up), and
 * hand everything to a {@link PageClassifier} — or (`worker: true`, or
 * `'auto'` where a worker can start) do all of that in a Web Worker behind a proxy.
 */
import { rememberKey } from './backends/remember.js';
import { orderCandidates, probeAll, selectBackend } from './backends/select.js';
import { PageClassifier, type PageClassifierInit } from './classifier.js';
import type { Engine } from './engines/engine.js';
import type { Classifier } from './classifier-api.js';
import { type EngineLoaders, engineFor, missingEngine } from './engines/registry.js';
import { abortedError, throwIfAborted } from './call-control.js';
import { ClassifierError, describeError } from './errors.js';
import { type LoadedModel, loadModel } from './manifest/load.js';
import { tensorShape } from './preprocess/tensor.js';
import type { ClassifierOptions, CustomPreprocess, ResolvedOptions, ResolvedRemote } from './options.js';
import { resolveOptions } from './resolve-options.js';
import { recordPlacement } from './placement.js';
import type { BackendCapability, BackendName, LocalBackendName } from './types.js';

/** Starts a classifier in a Web Worker (src/worker/start*.ts, one per entry point, each naming its own worker script). */
export type WorkerStart = (options: ResolvedOptions) => Promise<Classifier>;

/** What an entry point (`inpage-classifier`, `/onnx`, `/tfjs`) builds its createClassifier from. */
export interface EntryPoint {
  loaders: EngineLoaders;
  /** Path of the default model below `assetBase`. */
  defaultModel: string;
  /** `worker: true`: loads the page side of the worker mode (a dynamic import, so the core stays small). */
  worker?: () => Promise<{ startWorker: WorkerStart }>;
}

/** True in a window or a worker; false in Node, SSR renderers and other servers. */
function inBrowser(): boolean {
  return typeof createImageBitmap === 'function' && (typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined');
}

function assertBrowser(): void {
  if (!inBrowser()) {
    throw new ClassifierError(
      'UNSUPPORTED_ENVIRONMENT',
      'createClassifier needs a browser (a window or a worker with createImageBitmap and a canvas); this looks like Node or server-side rendering. Importing the package on the server is fine: call createClassifier from client-side code only (e.g. in an effect or onMount).',
      { details: { environment: 'server' } },
    );
  }
}

/**
 * createClassifier of every entry point: in the page, or with `worker: true`
 * a proxy to a classifier in a Web Worker.
 * @throws TypeError for a bad option (before anything starts)
 */
export async function createWithEntry(options: ClassifierOptions, entry: EntryPoint): Promise<Classifier> {
  assertBrowser();
  // The signal is the page's: it never goes into the resolved options (they are posted to the worker).
  const { signal, ...rest } = options;
  // Duck-typed: a signal from another realm (an iframe) is not an instance of this one's AbortSignal.
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
    throw new TypeError('options.signal: expected an AbortSignal (e.g. new AbortController().signal)');
  }
  const resolved = resolveOptions(rest, entry.defaultModel);
  throwIfAborted(signal);
  const creating = createPlaced(resolved, entry);
  return signal ? abandonOnAbort(creating, signal) : creating;
}

/**
 * Why `worker: 'auto'` stays in the page here, or null when a worker can be tried: it needs a
 * window (a classifier created inside a worker already is off the main thread), a Worker
 * constructor, and options that can be posted (a `preprocessing.custom` function cannot).
 */
function pageOnlyReason(options: ResolvedOptions): string | null {
  // assertBrowser let it through, so no document means a worker.
  if (typeof document === 'undefined') return 'created inside a worker: already off the main thread';
  if (typeof Worker === 'undefined') return 'this browser context has no Worker';
  if (options.preprocessing.custom) return 'options.preprocessing.custom is a function, which cannot be sent to a worker';
  return null;
}

/**
 * In a worker or in the page, as `options.worker` asks, recording where and why
 * (`classifier.worker`). With 'auto', a worker that cannot start (its script
 * blocked by a Content-Security-Policy, not emitted by the bundler) falls back
 * to the page with the reason; any other failure (the model, the engines) is
 * the caller's, exactly as in the worker.
 */
async function createPlaced(options: ResolvedOptions, entry: EntryPoint): Promise<Classifier> {
  const inPage = async (reason: string) => {
    const clf = await createResolved(options, entry);
    recordPlacement(clf, { used: false, reason });
    return clf;
  };
  if (options.worker === false) return inPage('options.worker is false');
  const pageOnly = options.worker === 'auto' ? pageOnlyReason(options) : null;
  if (pageOnly) return inPage(`worker 'auto': ${pageOnly}`);
  if (!entry.worker) return inPage('this entry point has no worker script');
  const inWorker = async () => {
    const { startWorker } = await entry.worker!();
    const clf = await startWorker(options);
    recordPlacement(clf, { used: true, reason: options.worker === true ? 'options.worker is true' : "worker 'auto': decoding, preprocessing, the cache and inference run in a Web Worker" });
    return clf;
  };
  if (options.worker === true) return inWorker();
  try {
    return await inWorker();
  } catch (error) {
    // Only a worker that never started: the same model would fail the same way in the page.
    if (!(error instanceof ClassifierError) || (error.code !== 'WORKER_FAILED' && error.code !== 'UNSUPPORTED_ENVIRONMENT')) throw error;
    return inPage(`worker 'auto': the Web Worker could not start (${error.message}); running in the page`);
  }
}

/**
 * Answers ABORTED as soon as `signal` aborts; whatever `creating` still
 * produces afterwards is disposed at once (so an aborted create leaks no
 * engine, GPU device or worker), and its failure, if any, is dropped.
 */
function abandonOnAbort(creating: Promise<Classifier>, signal: AbortSignal): Promise<Classifier> {
  return new Promise<Classifier>((resolve, reject) => {
    const onAbort = () => {
      reject(abortedError(signal));
      creating.then((clf) => clf.dispose(), () => {});
    };
    signal.addEventListener('abort', onAbort, { once: true });
    creating.then(
      (clf) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return; // onAbort already rejected and disposes it
        resolve(clf);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) reject(error);
      },
    );
  });
}

/** One model, or the best tier of several; the worker calls this too, with the page's resolved options. */
export async function createResolved(options: ResolvedOptions, entry: Pick<EntryPoint, 'loaders'>): Promise<PageClassifier> {
  assertBrowser();
  const { tiers } = options;
  if (!tiers) return startModel(options, entry);
  const { createTiered } = await import('./tiers.js');
  // With both tiers and remote: the local tiers first, the server as the last tier (a device too slow for all of them).
  const remote = options.remote;
  return createTiered(
    { ...options, tiers },
    (model) => startModel({ ...options, model, tiers: null, remote: null }, entry),
    remote ? (model) => startModel({ ...options, model, tiers: null, remote }, entry) : undefined,
  );
}

/** The wasm capability as it really runs: the engine knows the threads in effect (and why they differ). */
function withWasmInEffect(capabilities: readonly BackendCapability[], wasm: { threads: number; note?: string } | undefined): BackendCapability[] {
  return capabilities.map((c) => {
    if (c.backend !== 'wasm' || !wasm || !c.available || (c.threads === wasm.threads && !wasm.note)) return c;
    const description = `${c.description.replace(/\d+ threads?/, `${wasm.threads} thread${wasm.threads > 1 ? 's' : ''}`)}${wasm.note ? ` (${wasm.note})` : ''}`;
    return { ...c, threads: wasm.threads, description };
  });
}

/** The model as the engines see it when the app makes the tensor: the custom shape replaces the manifest's size/layout/channels. */
function withCustomInput(model: LoadedModel, custom: CustomPreprocess): LoadedModel {
  const [, a, b, c] = custom.shape;
  const [size, count] = custom.layout === 'NCHW' ? [[b, c] as [number, number], a] : [[a, b] as [number, number], c];
  const channels = count === 1 ? 'L' : count === 4 ? 'RGBA' : 'RGB';
  const input = { ...model.manifest.input, size, layout: custom.layout, channels, mean: Array(count).fill(0), std: Array(count).fill(1) } as const;
  return { ...model, manifest: { ...model.manifest, input } };
}

/**
 * Loads the model (verified, cached for offline use), finds a backend that
 * initialises and passes a warm-up inference, and returns the classifier.
 * @throws ClassifierError MANIFEST_INVALID, MODEL_LOAD_FAILED, MODEL_INTEGRITY, ENGINE_UNAVAILABLE, NO_BACKEND
 */
async function startModel(resolved: ResolvedOptions, entry: Pick<EntryPoint, 'loaders'>): Promise<PageClassifier> {
  const { remote } = resolved;
  const loaded = await loadModel(resolved.model, {
    baseUrl: resolved.baseUrl,
    cacheName: resolved.modelCache?.name ?? null,
    integrity: resolved.integrity,
    // Remote only: the page needs the manifest (preprocessing) and labels, not the weights.
    weights: !remote || remote.fallback === 'local',
    onProgress: resolved.onProgress,
    accept: (manifest) => {
      if (remote && remote.fallback !== 'local') return;
      const missing = missingEngine(manifest.format, entry.loaders);
      if (missing) throw new ClassifierError('ENGINE_UNAVAILABLE', `Cannot run ${manifest.name}: ${missing}.`, { details: { engine: engineFor(manifest.format), format: manifest.format } });
    },
  });
  const model = resolved.preprocessing.custom ? withCustomInput(loaded, resolved.preprocessing.custom) : loaded;
  if (remote) return startRemote(resolved, { ...remote, model: remote.model || model.manifest.name }, model, entry);
  return startLocal(resolved, model, entry);
}

/**
 * The remote engine, checked against the server and warmed up. With
 * `fallback: 'local'`, a server that cannot be reached now starts the local
 * backends instead (the reason in `fallbacks`), and one lost later hands over
 * to them like a lost GPU (a `backendchange` from 'remote').
 */
async function startRemote(resolved: ResolvedOptions, remote: ResolvedRemote, model: LoadedModel, entry: Pick<EntryPoint, 'loaders'>): Promise<PageClassifier> {
  resolved.onProgress({ phase: 'init', loaded: 0, total: 1, detail: 'remote' });
  // Its own chunk: apps that never configure a server do not carry the client.
  const { createRemoteEngine } = await import('./engines/remote.js');
  let engine: Engine;
  try {
    engine = await createRemoteEngine(model, remote);
  } catch (error) {
    // Only an unreachable server (network, timeout, 5xx/429 after the retries) falls back: one that answers
    // 4xx (no such model, a shape that does not fit) is a configuration error, never hidden by the fallback.
    const unreachable = error instanceof ClassifierError && error.details.unreachable === true;
    if (remote.fallback !== 'local' || !unreachable) throw error;
    const parts = await selectLocal(resolved, model, entry);
    return new PageClassifier({ ...parts, fallbacks: [{ backend: 'remote', reason: `the inference server could not be reached: ${error.message}` }, ...parts.fallbacks] });
  }
  resolved.onProgress({ phase: 'ready', loaded: 1, total: 1, detail: 'remote' });
  // Lost later (fallback local): the local backends take over, as after a lost GPU; then their own restarts apply.
  let localRestart: PageClassifierInit['restart'] | null = null;
  const restart: PageClassifierInit['restart'] = async (exclude) => {
    if (remote.fallback !== 'local') throw new Error('no backend besides the inference server (remote.fallback is none)');
    if (localRestart) return localRestart(exclude);
    const parts = await selectLocal(resolved, model, entry);
    localRestart = parts.restart;
    return parts.engine;
  };
  return new PageClassifier({
    model, engine, restart, options: resolved, fallbacks: [], capabilities: [], adapter: null,
    selection: { mode: 'explicit', measured: false, fromCache: false, candidates: [] },
  });
}

async function startLocal(resolved: ResolvedOptions, model: LoadedModel, entry: Pick<EntryPoint, 'loaders'>): Promise<PageClassifier> {
  return new PageClassifier(await selectLocal(resolved, model, entry));
}

/** A local backend for the model (probes, selection, warm-up), and how to restart on another one. */
async function selectLocal(resolved: ResolvedOptions, model: LoadedModel, entry: Pick<EntryPoint, 'loaders'>): Promise<PageClassifierInit> {
  const engine = engineFor(model.manifest.format);
  const probed = await probeAll(resolved.wasm.threads, engine);
  const factory = await entry.loaders[engine]!();
  const createEngine = (backend: LocalBackendName) => factory({ model, backend, wasmPaths: resolved.wasm.paths, wasmThreads: probed.wasmThreads });
  const warmupInput = new Float32Array(tensorShape(model.manifest.input.size, model.manifest.input.layout, model.manifest.input.channels).reduce((a, b) => a * b, 1));
  const { selection: how } = resolved;
  let selection;
  try {
    selection = await selectBackend({
      model,
      preference: resolved.backends,
      candidates: orderCandidates(resolved.backends, probed.capabilities),
      capabilities: probed.capabilities,
      createEngine,
      warmupInput,
      onProgress: resolved.onProgress,
      measure: how.measure,
      budgetMs: how.budgetMs,
      initTimeoutMs: how.initTimeoutMs,
      memory: how.remember
        ? {
            key: rememberKey(model.id, model.manifest.sha256[model.manifest.files.model] ?? ''),
            // A browser update or another GPU changes this, and with it the decision.
            signature: [globalThis.navigator?.userAgent ?? '', ...probed.capabilities.map((c) => `${c.backend}:${c.available ? c.description : 'none'}`)].join('|'),
          }
        : null,
    });
  } catch (error) {
    if (error instanceof ClassifierError) throw error;
    throw new ClassifierError('MODEL_LOAD_FAILED', `Could not start ${model.id}: ${describeError(error)}`, { cause: error });
  }
  resolved.onProgress({ phase: 'ready', loaded: 1, total: 1, detail: selection.engine.backend });
  // After a run-time loss: the best backend left in the original order, no measuring, nothing remembered.
  const order = selection.selection.candidates.map((c) => c.backend);
  const restart = async (exclude: BackendName[]) => {
    const left = order.filter((b) => !exclude.includes(b));
    const next = await selectBackend({
      model, preference: left, candidates: left, capabilities: probed.capabilities,
      createEngine, warmupInput, onProgress: () => {}, measure: 'never', budgetMs: 0, initTimeoutMs: how.initTimeoutMs, memory: null,
    });
    return next.engine;
  };
  return {
    model, engine: selection.engine, restart, options: resolved, fallbacks: selection.fallbacks,
    capabilities: withWasmInEffect(probed.capabilities, selection.engine.wasm), adapter: probed.adapter, selection: selection.selection,
  };
}
