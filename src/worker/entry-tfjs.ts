/**
 * Worker script of `createClassifier({ worker: true })` for TensorFlow.js only (`inpage-classifier/tfjs`).
 * Started by start-tfjs.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (an ES module: the
 * engines inside are dynamic imports).
 */
import { tfjsLoader } from '../engines/engine.js';
import { DEFAULT_MODEL_PATH } from '../options.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { tfjs: tfjsLoader }, defaultModel: DEFAULT_MODEL_PATH });
