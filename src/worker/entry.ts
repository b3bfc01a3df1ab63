/**
 * Worker script of `createClassifier({ worker: true })` for both engines (the main entry point).
 * Started by start.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (an ES module: the
 * engines inside are dynamic imports).
 */
import { ortLoader, tfjsLoader } from '../engines/engine.js';
import { DEFAULT_MODEL_PATH } from '../options.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { ort: ortLoader, tfjs: tfjsLoader }, defaultModel: DEFAULT_MODEL_PATH });
