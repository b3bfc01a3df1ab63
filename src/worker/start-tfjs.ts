/**
 * Page side of `createClassifier({ worker: true })` from `inpage-classifier/tfjs`: starts
 * entry-tfjs.js (the literal `new Worker(new URL(…, import.meta.url))` is what
 * bundlers look for to emit the worker script).
 */
import type { WorkerStart } from '../create.js';
import { startWorkerClassifier } from './client.js';

export const startWorker: WorkerStart = (options, defaultModel) =>
  startWorkerClassifier(options, defaultModel, () => new Worker(new URL('./entry-tfjs.js', import.meta.url), { type: 'module', name: 'inpage-classifier' }));
