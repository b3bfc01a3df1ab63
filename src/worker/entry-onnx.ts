/**
 * Worker script of `createClassifier({ worker: true })` for onnxruntime-web only (`inpage-classifier/onnx`).
 * Started by start-onnx.ts with `new Worker(new URL(…, import.meta.url), { type: 'module' })`,
 * which bundlers recognise and emit as a separate chunk (an ES module: the
 * engines inside are dynamic imports).
 */
import { ortLoader } from '../engines/engine.js';
import { DEFAULT_ONNX_MODEL_PATH } from '../options.js';
import { serveClassifier } from './serve.js';

serveClassifier({ loaders: { ort: ortLoader }, defaultModel: DEFAULT_ONNX_MODEL_PATH });
