/** The onnxruntime-web engine, loaded on first use (a module of its own: see registry.ts). */
import type { EngineFactory } from './engine.js';

export const ortLoader = async (): Promise<EngineFactory> => (await import('./ort.js')).createOrtEngine;
