/**
 * Page side of `createClassifier({ worker: true })` from `inpage-classifier/onnx`: starts
 * entry-onnx.js (the literal `new Worker(new URL(…, import.meta.url))` is what
 * bundlers look for to emit the worker script).
 */
import type { WorkerStart } from '../create.js';
import { startWorkerClassifier } from './client.js';

// Each entry's worker has its own name: webpack names the worker chunk after it, and
// one shared name merged the three entries' worker scripts into one chunk.
export const startWorker: WorkerStart = (options) =>
  startWorkerClassifier(options, () => new Worker(new URL('./entry-onnx.js', import.meta.url), { type: 'module', name: 'inpage-classifier-onnx' }));
