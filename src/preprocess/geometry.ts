/**
 * Where the source image lands on the model-sized canvas, per resize mode.
 * Pure arithmetic, unit-tested: no canvas here.
 */
import type { ResizeMode } from '../types.js';

/** drawImage(source, sx, sy, sw, sh, dx, dy, dw, dh) arguments. */
export interface DrawPlan {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

/**
 * @param srcW - source width in pixels (after EXIF orientation)
 * @param srcH - source height
 * @param target - [height, width] of the model input
 * @param mode - crop: scale so the shorter side is `shorterSide` (default: the
 *   crop's shorter side), then take the centered target-sized window, like
 *   torchvision Resize(256)+CenterCrop(224); stretch: fill the target, ignoring
 *   aspect; letterbox: fit inside the target, centered, with padding.
 */
export function planResize(srcW: number, srcH: number, target: readonly [number, number], mode: ResizeMode, shorterSide?: number): DrawPlan {
  if (!(srcW > 0 && srcH > 0)) throw new RangeError(`image has no pixels (${srcW}x${srcH})`);
  const [outH, outW] = target;
  const full = { sx: 0, sy: 0, sw: srcW, sh: srcH };
  if (mode === 'stretch') return { ...full, dx: 0, dy: 0, dw: outW, dh: outH };
  if (mode === 'letterbox') {
    const s = Math.min(outW / srcW, outH / srcH);
    const dw = Math.max(1, Math.round(srcW * s));
    const dh = Math.max(1, Math.round(srcH * s));
    return { ...full, dx: Math.floor((outW - dw) / 2), dy: Math.floor((outH - dh) / 2), dw, dh };
  }
  // crop: the resized image is (srcW*s) x (srcH*s); the window of outW x outH at
  // its center maps back to a source rectangle of outW/s x outH/s.
  const side = shorterSide ?? Math.min(outW, outH);
  const s = side / Math.min(srcW, srcH);
  // Like torchvision, the crop may be larger than the resized image (side < crop):
  // then the source rectangle is clamped and the image is stretched to fill.
  const sw = Math.min(srcW, outW / s);
  const sh = Math.min(srcH, outH / s);
  return { sx: (srcW - sw) / 2, sy: (srcH - sh) / 2, sw, sh, dx: 0, dy: 0, dw: outW, dh: outH };
}
