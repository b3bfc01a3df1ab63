/**
 * Draws a decoded image to model-sized RGBA pixels: transparent areas are
 * composited on the background (or the alpha dropped, per the manifest)
 * first, then the image is resized per the manifest. Two resamplers:
 *  - 'antialiased' (default): the image is drawn at its own size and
 *    resampled in JS with the manifest's Pillow filter (pipeline.ts), giving
 *    a PIL/torchvision server's bytes (docs/parity.md has the numbers);
 *  - 'canvas': one drawImage with imageSmoothingQuality 'high' (faster, drifts).
 * Canvases are reused; OffscreenCanvas where available.
 */
import type { CropRect } from '../input/region.js';
import type { InputSpec } from '../types.js';
import { paddingOf, type Pixels, resizeForModel } from './pipeline.js';
import { planResample } from './resample.js';

export type { Pixels } from './pipeline.js';

type Ctx2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
export type Resampling = 'antialiased' | 'canvas';

/** Sources above this many pixels are first halved on the GPU/canvas, to bound the JS filter's work. */
const MAX_FILTER_SOURCE_PIXELS = 12_000_000;

const whole = (width: number, height: number): CropRect => ({ sx: 0, sy: 0, sw: width, sh: height });

function context(width: number, height: number, alpha = false): Ctx2D {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  // willReadFrequently keeps the canvas on the CPU: we read it back every time.
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha }) as Ctx2D | null;
  if (!ctx) throw new Error('a 2D canvas context could not be created');
  return ctx;
}

export class CanvasPreprocessor {
  readonly #spec: InputSpec;
  readonly #background: string;
  readonly #resampling: Resampling;
  #out: Ctx2D | null = null;
  #scratch: Ctx2D | null = null;
  #scratchAlpha: Ctx2D | null = null;
  #backgroundRgb: [number, number, number] | null = null;
  /** The last region's 1:1 copy (canvas resampler only), reused while regions keep their size (a video's fixed box). */
  #region: Ctx2D | null = null;

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
  #scratchOf(width: number, height: number, alpha = false): Ctx2D {
    const current = alpha ? this.#scratchAlpha : this.#scratch;
    const c = current?.canvas;
    if (c && c.width >= width && c.height >= height) return current!;
    const grown = context(Math.max(width, c?.width ?? 0), Math.max(height, c?.height ?? 0), alpha);
    if (alpha) this.#scratchAlpha = grown;
    else this.#scratch = grown;
    return grown;
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

  /** RGBA pixels of the model input; `crop` (a region of interest) is cut out first, as if the file had been cropped. */
  draw(source: CanvasImageSource, width: number, height: number, crop?: CropRect): Pixels {
    return this.#resampling === 'canvas' ? this.#drawCanvas(source, width, height, crop) : this.#drawAntialiased(source, width, height, crop);
  }

  #drawCanvas(source: CanvasImageSource, width: number, height: number, crop = whole(width, height)): Pixels {
    const ctx = this.#output();
    const [outH, outW] = this.#spec.size;
    // The same geometry as the antialiased path; the canvas clips what falls outside.
    const t = planResample(crop.sw, crop.sh, this.#spec.size, this.#spec.resize);
    ctx.fillStyle = this.#background;
    ctx.fillRect(0, 0, outW, outH);
    ctx.imageSmoothingEnabled = this.#spec.resize.filter !== 'nearest';
    ctx.imageSmoothingQuality = 'high';
    if (crop.sw === width && crop.sh === height) ctx.drawImage(source, t.offsetX, t.offsetY, t.resizedW, t.resizedH);
    else ctx.drawImage(this.#cut(source, crop), t.offsetX, t.offsetY, t.resizedW, t.resizedH);
    return { data: ctx.getImageData(0, 0, outW, outH).data, width: outW, height: outH, padding: paddingOf(t, this.#spec) };
  }

  /**
   * The crop copied 1:1 onto a canvas of exactly its size. A scaled drawImage
   * of a sub-rectangle lets the filter read pixels beyond its edges (Skia's
   * fast source-rect constraint), so scaling the cut-out copy is what makes a
   * region equal a cropped file on this path too.
   */
  #cut(source: CanvasImageSource, crop: CropRect): CanvasImageSource {
    const ctx = this.#region?.canvas.width === crop.sw && this.#region.canvas.height === crop.sh ? this.#region : (this.#region = context(crop.sw, crop.sh, true));
    ctx.clearRect(0, 0, crop.sw, crop.sh);
    ctx.drawImage(source, crop.sx, crop.sy, crop.sw, crop.sh, 0, 0, crop.sw, crop.sh);
    return ctx.canvas;
  }

  /**
   * The source's own pixels (huge ones halved on the canvas until under the
   * bound), opaque per the manifest's alpha rule: composited on the
   * background, or read with the alpha ignored. `crop`: only that part of the source.
   */
  fullSize(source: CanvasImageSource, width: number, height: number, crop = whole(width, height)): Pixels {
    const { sx, sy, sw, sh } = crop;
    let w = sw;
    let h = sh;
    while (w * h > MAX_FILTER_SOURCE_PIXELS) {
      w = Math.ceil(w / 2);
      h = Math.ceil(h / 2);
    }
    if (this.#spec.alpha === 'drop') {
      // Straight colour back from the (premultiplied) canvas, alpha then ignored: PIL's convert('RGB').
      const ctx = this.#scratchOf(w, h, true);
      ctx.clearRect(0, 0, w, h);
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(source, sx, sy, sw, sh, 0, 0, w, h);
      const data = ctx.getImageData(0, 0, w, h).data;
      for (let i = 3; i < data.length; i += 4) data[i] = 255;
      return { data, width: w, height: h };
    }
    const ctx = this.#scratchOf(w, h);
    ctx.fillStyle = this.#background; // composite alpha before resampling, like a server's flatten()
    ctx.fillRect(0, 0, w, h);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, sx, sy, sw, sh, 0, 0, w, h);
    return { data: ctx.getImageData(0, 0, w, h).data, width: w, height: h };
  }

  #drawAntialiased(source: CanvasImageSource, width: number, height: number, crop?: CropRect): Pixels {
    return this.resize(this.fullSize(source, width, height, crop));
  }

  /** Model-input pixels from {@link fullSize}'s: the JS resampler (callers may yield between the two steps). */
  resize(src: Pixels): Pixels {
    return resizeForModel(src.data, src.width, src.height, this.#spec, this.#rgb());
  }

  /** True when draw() is the two steps fullSize → resize (the antialiased resampler), so a caller can split them. */
  get twoStep(): boolean {
    return this.#resampling !== 'canvas';
  }
}
