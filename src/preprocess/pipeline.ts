/**
 * The whole preprocessing of one decoded image, in pure JS: the geometry
 * (planResample), Pillow's resampling and the normalisation into the tensor,
 * with padded areas set to the manifest's pad value. The canvas only decodes
 * and flattens; everything from there runs here, so the same code runs in
 * Node (`pack --check`, parity tools) and gives the same tensor.
 */
import type { InputSpec } from '../types.js';
import { coveredRect, planResample, type ResampleTarget, resampleAntialiased } from './resample.js';
import { pixelsToTensor, type TensorPadding } from './tensor.js';

export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  /** Model-input pixels only: where padding goes when the manifest gives a pad value in tensor units. */
  padding?: TensorPadding | undefined;
}

type RGB = readonly [number, number, number];

/** Opaque RGBA at the source size → model-sized RGBA (padding in `background`, and marked for a tensor pad value). */
export function resizeForModel(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, spec: InputSpec, background: RGB): Pixels {
  const target = planResample(width, height, spec.size, spec.resize);
  const data = resampleAntialiased(rgba, width, height, target, background, spec.resize.filter ?? 'bilinear');
  return { data, width: target.outW, height: target.outH, padding: paddingOf(target, spec) };
}

/** Where the tensor gets the manifest's pad value: the output the resized image leaves uncovered (none without a padValue). */
export function paddingOf(target: ResampleTarget, spec: InputSpec): TensorPadding | undefined {
  const value = spec.resize.padValue;
  if (value === undefined) return undefined;
  const rect = coveredRect(target);
  const padded = rect.x0 > 0 || rect.y0 > 0 || rect.x1 < target.outW || rect.y1 < target.outH;
  return padded ? { rect, value } : undefined;
}

/** Model-sized pixels → the tensor. */
export function pixelsToModelTensor(pixels: Pixels, spec: InputSpec): Float32Array {
  return pixelsToTensor(pixels.data, pixels.width, pixels.height, spec, undefined, pixels.padding);
}

/**
 * Straight (not premultiplied) RGBA → opaque, per `spec.alpha`: composited on
 * the background, or the alpha dropped (PIL's convert('RGB')). Returns the
 * input itself when it is opaque already.
 */
export function flattenAlpha(rgba: Uint8ClampedArray | Uint8Array, spec: Pick<InputSpec, 'alpha'>, background: RGB): Uint8ClampedArray | Uint8Array {
  let opaque = true;
  for (let i = 3; i < rgba.length; i += 4) {
    if (rgba[i] !== 255) {
      opaque = false;
      break;
    }
  }
  if (opaque || spec.alpha === 'drop') return rgba;
  const out = new Uint8ClampedArray(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    const a = rgba[i + 3]! / 255;
    out[i] = rgba[i]! * a + background[0] * (1 - a);
    out[i + 1] = rgba[i + 1]! * a + background[1] * (1 - a);
    out[i + 2] = rgba[i + 2]! * a + background[2] * (1 - a);
    out[i + 3] = 255;
  }
  return out;
}

/**
 * A decoded image's straight RGBA at its own size (orientation already
 * applied as the manifest asks) → the model tensor, exactly as the page does
 * it after decoding.
 */
export function preprocessRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, spec: InputSpec, background: RGB): Float32Array {
  if (rgba.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  return pixelsToModelTensor(resizeForModel(flattenAlpha(rgba, spec, background), width, height, spec, background), spec);
}
