/**
 * RGBA pixels → model-ready Float32Array, per the manifest's input spec.
 * Pure and allocation-light (an output buffer can be reused); unit-tested
 * against hand-computed values. Order: channel pick (RGB/BGR) → × scale →
 * − mean → ÷ std → layout (NCHW planes or NHWC interleaved).
 */
import type { InputSpec } from '../types.js';

export type TensorSpec = Pick<InputSpec, 'layout' | 'scale' | 'mean' | 'std' | 'channels'>;

/**
 * @param rgba - width*height*4 bytes, row-major (ImageData.data); alpha is ignored
 *   (compositing on the background happened when drawing)
 * @param out - optional buffer of width*height*3 floats to fill
 */
export function pixelsToTensor(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, spec: TensorSpec, out?: Float32Array): Float32Array {
  const count = width * height;
  if (rgba.length !== count * 4) throw new RangeError(`expected ${count * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const tensor = out ?? new Float32Array(count * 3);
  if (tensor.length !== count * 3) throw new RangeError(`output buffer must hold ${count * 3} floats, has ${tensor.length}`);
  // Source byte offset (0=R,1=G,2=B) of each output channel.
  const src = spec.channels === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    // (p*scale - mean)/std == p*a + b: one multiply-add per value.
    const a = spec.scale / spec.std[c]!;
    const b = -spec.mean[c]! / spec.std[c]!;
    const from = src[c]!;
    if (spec.layout === 'NCHW') {
      const plane = c * count;
      for (let i = 0; i < count; i++) tensor[plane + i] = rgba[i * 4 + from]! * a + b;
    } else {
      for (let i = 0; i < count; i++) tensor[i * 3 + c] = rgba[i * 4 + from]! * a + b;
    }
  }
  return tensor;
}

/** Shape of a single-image batch for the spec, e.g. [1, 3, 224, 224]. */
export function tensorShape(size: readonly [number, number], layout: InputSpec['layout']): [number, number, number, number] {
  const [h, w] = size;
  return layout === 'NCHW' ? [1, 3, h, w] : [1, h, w, 3];
}
