/**
 * Worker script of `createClassifier({ worker: true })` for onnxruntime-web only (`inpage-classifier/onnx`).
 * Started by start-onnx.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (the engines inside
 * are dynamic imports). The options arrive resolved from the page, default
 * model included.
 */
import { ortLoader } from '../engines/load-ort.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { ort: ortLoader } });
