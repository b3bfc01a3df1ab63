/**
 * Draws a decoded image onto a model-sized canvas (background fill for
 * transparency, then the resize plan) and reads the pixels back. One canvas
 * per classifier, reused; OffscreenCanvas where available.
 */
import type { InputSpec } from '../types.js';
import { planResize } from './geometry.js';

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

export class CanvasPreprocessor {
  readonly #spec: InputSpec;
  readonly #background: string;
  #ctx: Ctx2D | null = null;

  constructor(spec: InputSpec, background: string) {
    this.#spec = spec;
    this.#background = background;
  }

  #context(): Ctx2D {
    if (this.#ctx) return this.#ctx;
    const [h, w] = this.#spec.size;
    const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
    // willReadFrequently keeps the canvas on the CPU: we read it back every time.
    const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: false }) as Ctx2D | null;
    if (!ctx) throw new Error('a 2D canvas context could not be created');
    this.#ctx = ctx;
    return ctx;
  }

  /** RGBA pixels of the model input, transparent areas composited on the background. */
  draw(source: CanvasImageSource, width: number, height: number): ImageData {
    const ctx = this.#context();
    const [outH, outW] = this.#spec.size;
    const plan = planResize(width, height, this.#spec.size, this.#spec.resize.mode, this.#spec.resize.shorterSide);
    ctx.globalCompositeOperation = 'source-over';
    ctx.fillStyle = this.#background;
    ctx.fillRect(0, 0, outW, outH);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, plan.sx, plan.sy, plan.sw, plan.sh, plan.dx, plan.dy, plan.dw, plan.dh);
    return ctx.getImageData(0, 0, outW, outH);
  }
}
