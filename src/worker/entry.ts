/**
 * Worker script of `createClassifier({ worker: true })` for both engines (the main entry point).
 * Started by start.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (the engines inside
 * are dynamic imports). The options arrive resolved from the page, default
 * model included.
 */
import { ortLoader } from '../engines/load-ort.js';
import { tfjsLoader } from '../engines/load-tfjs.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { ort: ortLoader, tfjs: tfjsLoader } });
