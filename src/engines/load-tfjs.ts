/** The TensorFlow.js engine, loaded on first use (a module of its own: see registry.ts). */
import type { EngineFactory } from './engine.js';

export const tfjsLoader = async (): Promise<EngineFactory> => (await import('./tfjs.js')).createTfjsEngine;
