/**
 * The parts of TensorFlow.js the engine uses, imported from the modular
 * packages rather than the `@tensorflow/tfjs` umbrella. The umbrella also
 * brings tfjs-data, node-only CLI helpers and core-js (whose install script
 * makes every `npm install inpage-classifier` print npm's install-scripts
 * warning, issue 17), and it registers the WebGL backend in every app, even
 * one that only ever runs on WASM. Here each backend's package is imported
 * only when that backend is asked for.
 */
import type * as Core from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export type { GraphModel, LayersModel };
export type Tensor = Core.Tensor;
export type ModelArtifacts = Core.io.ModelArtifacts;
export type ModelJSON = Core.io.ModelJSON;

/** tfjs-core's API, and the loaders of the two model formats. */
export interface Tfjs {
  tf: typeof Core;
  loadLayersModel: typeof import('@tensorflow/tfjs-layers').loadLayersModel;
  loadGraphModel: typeof import('@tensorflow/tfjs-converter').loadGraphModel;
}

/** ESM namespaces of CommonJS-shaped builds sometimes arrive as `{ default }` (Node, some bundlers). */
function namespace<T extends object>(mod: T & { default?: T }, probe: keyof T): T {
  return probe in mod ? mod : (mod.default ?? mod);
}

let loading: Promise<Tfjs> | undefined;

/** tfjs-core, tfjs-layers and tfjs-converter, loaded once per realm. */
export function importTfjs(): Promise<Tfjs> {
  loading ??= Promise.all([
    import('@tensorflow/tfjs-core'),
    import('@tensorflow/tfjs-layers'),
    import('@tensorflow/tfjs-converter'),
  ]).then(([core, layers, converter]) => ({
    tf: namespace<typeof Core>(core, 'setBackend'),
    loadLayersModel: namespace<typeof import('@tensorflow/tfjs-layers')>(layers, 'loadLayersModel').loadLayersModel,
    loadGraphModel: namespace<typeof import('@tensorflow/tfjs-converter')>(converter, 'loadGraphModel').loadGraphModel,
  }));
  return loading;
}
