/**
 * Names → GPU class. Pure, unit-tested on recorded renderer/adapter strings.
 * 'software': emulated on the CPU (SwiftShader, llvmpipe, WARP...): slower
 * than WASM for inference. 'integrated': real but modest (shares memory with
 * the CPU): may or may not beat multi-threaded WASM, so worth measuring.
 * 'unknown': masked or unrecognised: measure.
 */
export type GpuClass = 'software' | 'discrete' | 'integrated' | 'unknown';

const SOFTWARE = /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render|microsoft basic|\bwarp\b|mesa offscreen/i;
const INTEGRATED = /intel|iris|uhd graphics|hd graphics|mali|adreno|powervr|apple gpu|videocore|vivante|immortalis|radeon\(tm\) graphics|radeon graphics|vega \d+ graphics/i;
const DISCRETE = /nvidia|geforce|quadro|rtx|gtx|radeon rx|radeon pro|\bamd\b|apple m\d|apple a1\d/i;

/** Classifies a WebGL unmasked renderer, or WebGPU adapter vendor/architecture/description, text. */
export function classifyGpuText(text: string): GpuClass {
  const t = text.trim();
  if (!t) return 'unknown';
  if (SOFTWARE.test(t)) return 'software';
  // Apple M-series are integrated by construction but fast; treat as discrete-class for ranking.
  if (DISCRETE.test(t) && !/radeon\(tm\) graphics|radeon graphics|vega \d+ graphics/i.test(t)) return 'discrete';
  if (INTEGRATED.test(t)) return 'integrated';
  return 'unknown';
}

/** The capability kinds the library reports: software, hardware (discrete or integrated), unknown. */
export function capabilityKind(c: GpuClass): 'software' | 'hardware' | 'unknown' {
  return c === 'software' ? 'software' : c === 'unknown' ? 'unknown' : 'hardware';
}
