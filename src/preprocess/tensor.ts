/**
 * RGBA pixels → model-ready Float32Array, per the manifest's input spec.
 * Pure and allocation-light (an output buffer can be reused); unit-tested
 * against hand-computed values. Order: channel pick (RGB/BGR/RGBA, or the
 * grayscale weighting for L) → × scale → − mean → ÷ std → layout (NCHW
 * planes or NHWC interleaved); padded areas then get the pad value.
 */
import type { ChannelOrder, InputSpec } from '../types.js';

export type TensorSpec = Pick<InputSpec, 'layout' | 'scale' | 'mean' | 'std'> & { channels: ChannelOrder };

/** Values per pixel of a channel order. */
export function channelCount(channels: ChannelOrder): number {
  return channels === 'L' ? 1 : channels === 'RGBA' ? 4 : 3;
}

/**
 * ITU-R 601 luma weights as MATLAB's rgb2gray and tfjs-based pipelines apply
 * them in floating point (no rounding to a byte, unlike PIL's convert('L')).
 */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;

/** Padded output pixels (outside `rect`) get `value` in every channel, after normalisation. */
export interface TensorPadding {
  rect: { x0: number; y0: number; x1: number; y1: number };
  value: number;
}

/**
 * @param rgba - width*height*4 bytes, row-major (ImageData.data); alpha is read only for RGBA
 *   (compositing on the background happened when drawing)
 * @param out - optional buffer of width*height*channels floats to fill
 * @param padding - areas the resized image does not cover, set to a fixed tensor value (Paddle pads with 0 after normalising)
 */
export function pixelsToTensor(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number, spec: TensorSpec, out?: Float32Array, padding?: TensorPadding): Float32Array {
  const count = width * height;
  const channels = channelCount(spec.channels);
  if (rgba.length !== count * 4) throw new RangeError(`expected ${count * 4} RGBA bytes for ${width}x${height}, got ${rgba.length}`);
  const tensor = out ?? new Float32Array(count * channels);
  if (tensor.length !== count * channels) throw new RangeError(`output buffer must hold ${count * channels} floats, has ${tensor.length}`);
  const at = spec.layout === 'NCHW' ? (c: number, i: number) => c * count + i : (c: number, i: number) => i * channels + c;
  if (spec.channels === 'L') {
    const a = spec.scale / spec.std[0]!;
    const b = -spec.mean[0]! / spec.std[0]!;
    const [wr, wg, wb] = GRAY_WEIGHTS;
    for (let i = 0; i < count; i++) tensor[i] = (rgba[i * 4]! * wr + rgba[i * 4 + 1]! * wg + rgba[i * 4 + 2]! * wb) * a + b;
  } else {
    // Source byte offset (0=R,1=G,2=B,3=A) of each output channel.
    const src = spec.channels === 'BGR' ? [2, 1, 0] : spec.channels === 'RGBA' ? [0, 1, 2, 3] : [0, 1, 2];
    for (let c = 0; c < channels; c++) {
      // (p*scale - mean)/std == p*a + b: one multiply-add per value.
      const a = spec.scale / spec.std[c]!;
      const b = -spec.mean[c]! / spec.std[c]!;
      const from = src[c]!;
      if (spec.layout === 'NCHW') {
        const plane = c * count;
        for (let i = 0; i < count; i++) tensor[plane + i] = rgba[i * 4 + from]! * a + b;
      } else {
        for (let i = 0; i < count; i++) tensor[i * channels + c] = rgba[i * 4 + from]! * a + b;
      }
    }
  }
  if (padding) pad(tensor, width, height, channels, at, padding);
  return tensor;
}

function pad(tensor: Float32Array, width: number, height: number, channels: number, at: (c: number, i: number) => number, { rect, value }: TensorPadding): void {
  for (let y = 0; y < height; y++) {
    const inside = y >= rect.y0 && y < rect.y1;
    for (let x = 0; x < width; x++) {
      if (inside && x >= rect.x0 && x < rect.x1) continue;
      const i = y * width + x;
      for (let c = 0; c < channels; c++) tensor[at(c, i)] = value;
    }
  }
}

/** Shape of a single-image batch for the spec, e.g. [1, 3, 224, 224]. */
export function tensorShape(size: readonly [number, number], layout: InputSpec['layout'], channels: ChannelOrder = 'RGB'): [number, number, number, number] {
  const [h, w] = size;
  const c = channelCount(channels);
  return layout === 'NCHW' ? [1, c, h, w] : [1, h, w, c];
}
