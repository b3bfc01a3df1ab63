/**
 * Draws a decoded image to model-sized RGBA pixels: transparent areas are
 * composited on the background first, then the image is resized per the
 * manifest. Two resamplers:
 *  - 'antialiased' (default): the image is drawn at its own size and
 *    resampled with resample.ts's triangle filter, matching a PIL/torchvision
 *    server closely (docs/parity.md has the numbers);
 *  - 'canvas': one drawImage with imageSmoothingQuality 'high' (faster, drifts).
 * Canvases are reused; OffscreenCanvas where available.
 */
import type { InputSpec } from '../types.js';
import { planResize } from './geometry.js';
import { planResample, resampleAntialiased } from './resample.js';

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
export type Resampling = 'antialiased' | 'canvas';

export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Sources above this many pixels are first halved on the GPU/canvas, to bound the JS filter's work. */
const MAX_FILTER_SOURCE_PIXELS = 12_000_000;

function context(width: number, height: number): Ctx2D {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  // willReadFrequently keeps the canvas on the CPU: we read it back every time.
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as Ctx2D | null;
  if (!ctx) throw new Error('a 2D canvas context could not be created');
  return ctx;
}

export class CanvasPreprocessor {
  readonly #spec: InputSpec;
  readonly #background: string;
  readonly #resampling: Resampling;
  #out: Ctx2D | null = null;
  #scratch: Ctx2D | null = null;
  #backgroundRgb: [number, number, number] | null = null;

  constructor(spec: InputSpec, background: string, resampling: Resampling = 'antialiased') {
    this.#spec = spec;
    this.#background = background;
    this.#resampling = resampling;
  }

  #output(): Ctx2D {
    const [h, w] = this.#spec.size;
    this.#out ??= context(w, h);
    return this.#out;
  }

  /** A scratch canvas of at least width x height (grown, never shrunk, to avoid reallocations). */
  #scratchOf(width: number, height: number): Ctx2D {
    const c = this.#scratch?.canvas;
    if (!c || c.width < width || c.height < height) this.#scratch = context(Math.max(width, c?.width ?? 0), Math.max(height, c?.height ?? 0));
    return this.#scratch!;
  }

  #rgb(): [number, number, number] {
    if (!this.#backgroundRgb) {
      const ctx = this.#scratchOf(1, 1);
      ctx.fillStyle = this.#background;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      this.#backgroundRgb = [d[0]!, d[1]!, d[2]!];
    }
    return this.#backgroundRgb;
  }

  /** RGBA pixels of the model input. */
  draw(source: CanvasImageSource, width: number, height: number): Pixels {
    return this.#resampling === 'canvas' ? this.#drawCanvas(source, width, height) : this.#drawAntialiased(source, width, height);
  }

  #drawCanvas(source: CanvasImageSource, width: number, height: number): Pixels {
    const ctx = this.#output();
    const [outH, outW] = this.#spec.size;
    const plan = planResize(width, height, this.#spec.size, this.#spec.resize.mode, this.#spec.resize.shorterSide);
    ctx.fillStyle = this.#background;
    ctx.fillRect(0, 0, outW, outH);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, plan.sx, plan.sy, plan.sw, plan.sh, plan.dx, plan.dy, plan.dw, plan.dh);
    return ctx.getImageData(0, 0, outW, outH);
  }

  #drawAntialiased(source: CanvasImageSource, width: number, height: number): Pixels {
    // Huge sources: halve on the canvas until under the bound (the filter then does the rest).
    let w = width;
    let h = height;
    while (w * h > MAX_FILTER_SOURCE_PIXELS) {
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    const ctx = this.#scratchOf(w, h);
    ctx.fillStyle = this.#background; // composite alpha before resampling, like a server's flatten()
    ctx.fillRect(0, 0, w, h);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, w, h);
    const src = ctx.getImageData(0, 0, w, h).data;
    const target = planResample(w, h, this.#spec.size, this.#spec.resize.mode, this.#spec.resize.shorterSide);
    return { data: resampleAntialiased(src, w, h, target, this.#rgb()), width: target.outW, height: target.outH };
  }
}
