/**
 * Server-style preprocessing, as a Python/PIL service would do it: decode,
 * apply EXIF orientation, flatten alpha on white, resize with an antialiased
 * filter (shorter side to `shorterSide`, then center crop — torchvision's
 * Resize + CenterCrop arithmetic), normalise per the manifest. sharp (libvips)
 * does the image work, with JPEG shrink-on-load off (PIL decodes at full size).
 */
import sharp from 'sharp';

/** libvips reduction kernels (sharp.KernelEnum keys). */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';
import { roundHalfEven } from '../../src/preprocess/resample.js';
import { pixelsToTensor } from '../../src/preprocess/tensor.js';
import type { InputSpec } from '../../src/types.js';

export interface ServerPreprocessOptions {
  /** libvips reduction kernel; 'linear' ≈ PIL bilinear with antialiasing. @defaultValue 'linear' */
  kernel?: ResizeKernel;
  background?: string;
}

export async function serverPreprocess(image: Buffer | string, spec: InputSpec, options: ServerPreprocessOptions = {}): Promise<Float32Array> {
  const kernel = options.kernel ?? 'linear';
  const background = options.background ?? '#ffffff';
  const [outH, outW] = spec.size;
  let img = sharp(image, { failOn: 'error', limitInputPixels: 50_000_000 }).rotate().flatten({ background }).toColourspace('srgb');
  const meta = await sharp(image).metadata();
  const oriented = (meta.orientation ?? 1) >= 5 ? { w: meta.height!, h: meta.width! } : { w: meta.width!, h: meta.height! };
  if (spec.resize.mode === 'stretch') {
    img = img.resize(outW, outH, { fit: 'fill', kernel, fastShrinkOnLoad: false });
  } else if (spec.resize.mode === 'letterbox') {
    img = img.resize(outW, outH, { fit: 'contain', kernel, background, fastShrinkOnLoad: false });
  } else {
    // torchvision Resize(side): the shorter side becomes `side`, the longer int(side * long / short).
    const side = spec.resize.shorterSide ?? Math.min(outW, outH);
    const portrait = oriented.w <= oriented.h;
    const w = portrait ? side : Math.floor((side * oriented.w) / oriented.h);
    const h = portrait ? Math.floor((side * oriented.h) / oriented.w) : side;
    // Resize first (materialised), then crop: sharp would otherwise crop before resizing.
    const resized = await img.resize(w, h, { fit: 'fill', kernel, fastShrinkOnLoad: false }).raw().toBuffer({ resolveWithObject: true });
    const top = roundHalfEven((h - outH) / 2);
    const left = roundHalfEven((w - outW) / 2);
    img = sharp(resized.data, { raw: resized.info }).extract({ left: Math.max(0, left), top: Math.max(0, top), width: Math.min(outW, w), height: Math.min(outH, h) }).resize(outW, outH, { fit: 'fill', kernel });
  }
  const { data, info } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return pixelsToTensor(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, spec);
}
