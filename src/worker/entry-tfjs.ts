/**
 * Worker script of `createClassifier({ worker: true })` for TensorFlow.js only (`inpage-classifier/tfjs`).
 * Started by start-tfjs.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (the engines inside
 * are dynamic imports). The options arrive resolved from the page, default
 * model included.
 */
import { tfjsLoader } from '../engines/load-tfjs.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { tfjs: tfjsLoader } });
