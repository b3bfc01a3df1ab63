/**
 * Which engine runs which model format, and how an entry point reaches it.
 * Adding an engine: its own file (implementing engine.ts's `Engine`), a
 * loader file beside load-ort.ts, its name in `LocalEngineName` (types.ts) and one
 * line in {@link ENGINES} below.
 */
import type { LocalEngineName, ModelFormat } from '../types.js';
import type { EngineFactory } from './engine.js';

/**
 * How an entry point reaches its engines. Each is a dynamic import in a file
 * of its own (load-ort.ts, load-tfjs.ts), so an app only downloads the
 * engine its model needs, and an entry point that leaves one out
 * (`inpage-classifier/onnx`, `/tfjs`) keeps it out of the app's bundle —
 * also with bundlers that keep every `import()` of a module they include.
 */
export type EngineLoaders = Partial<Record<LocalEngineName, () => Promise<EngineFactory>>>;

/** Per engine: the formats it runs and the entry point that has only it (for error messages). */
const ENGINES: Record<LocalEngineName, { formats: readonly ModelFormat[]; entry: string }> = {
  ort: { formats: ['onnx'], entry: 'inpage-classifier/onnx' },
  tfjs: { formats: ['tfjs-layers', 'tfjs-graph'], entry: 'inpage-classifier/tfjs' },
};

/** The engine that runs a model format. */
export function engineFor(format: ModelFormat): LocalEngineName {
  const found = (Object.keys(ENGINES) as LocalEngineName[]).find((name) => ENGINES[name].formats.includes(format));
  if (!found) throw new Error(`no engine runs ${format} models`); // the manifest schema admits only known formats
  return found;
}

/** Null when the entry point has the engine; else why not (the caller wraps it in ENGINE_UNAVAILABLE). */
export function missingEngine(format: ModelFormat, loaders: EngineLoaders): string | null {
  const engine = engineFor(format);
  if (loaders[engine]) return null;
  return `this entry point has no ${engine} engine for a ${format} model: import createClassifier from 'inpage-classifier' (both engines) or '${ENGINES[engine].entry}'`;
}
