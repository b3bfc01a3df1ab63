/**
 * A region of interest (`classify(input, { region })`): the part of the image
 * the model sees, cut out before the manifest's resize mode runs, as if the
 * app had cropped the file itself. Coordinates are in the image as displayed
 * (after EXIF orientation), normalised to [0, 1] by default (MediaPipe's
 * convention, so a box from a detector can be passed as it is), or pixels.
 *
 * A region usually comes from data (a drag on screen, a detector's box), so a
 * wrong one is a {@link ClassifierError} `INVALID_REGION`, not a TypeError:
 * the app can show it to the user, and the classifier stays usable.
 */
import { ClassifierError } from '../errors.js';
import type { Region } from '../types.js';

/** A crop in whole source pixels. */
export interface CropRect {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
}

/** Rounding slack for normalised boxes computed in floating point (e.g. 0.1 + 0.9). */
const EPSILON = 1e-9;

function invalid(message: string, details: Record<string, unknown>): ClassifierError {
  return new ClassifierError('INVALID_REGION', `${message} A region is { x, y, width, height } in [0, 1] of the image (or pixels with unit: 'pixels'), width and height > 0, inside the image.`, { details });
}

/**
 * The region of a call, checked for what can be checked without the image:
 * four finite numbers, a positive size, and (normalised) inside [0, 1].
 * @returns the region with its unit filled in, or undefined for none
 * @throws ClassifierError INVALID_REGION
 */
export function checkRegion(region: unknown): Required<Region> | undefined {
  if (region === undefined) return undefined;
  if (region === null || typeof region !== 'object') throw invalid(`options.region must be an object; got ${region === null ? 'null' : typeof region}.`, { region: String(region) });
  const r = region as Record<string, unknown>;
  const given: unknown = r.unit ?? 'normalized';
  if (given !== 'normalized' && given !== 'pixels') throw invalid(`options.region.unit must be 'normalized' or 'pixels'; got ${JSON.stringify(given)}.`, { unit: String(given) });
  const unit: Required<Region>['unit'] = given;
  const values: Record<string, number> = {};
  for (const name of ['x', 'y', 'width', 'height'] as const) {
    const v = r[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`options.region.${name} must be a finite number; got ${typeof v === 'number' ? v : typeof v}.`, { field: name });
    values[name] = v;
  }
  const checked = { x: values.x!, y: values.y!, width: values.width!, height: values.height!, unit };
  if (checked.width <= 0 || checked.height <= 0) throw invalid(`options.region is empty (${checked.width} x ${checked.height}).`, { region: checked });
  if (checked.x < 0 || checked.y < 0) throw invalid(`options.region starts outside the image (x ${checked.x}, y ${checked.y}).`, { region: checked });
  if (unit === 'normalized' && (checked.x + checked.width > 1 + EPSILON || checked.y + checked.height > 1 + EPSILON)) {
    throw invalid(`options.region ends outside the image (x + width = ${checked.x + checked.width}, y + height = ${checked.y + checked.height}; at most 1).`, { region: checked });
  }
  return checked;
}

/**
 * The region in whole pixels of a width x height image. Edges are rounded to
 * the nearest pixel (so a normalised box and the same box in pixels crop the
 * same pixels), and the crop must keep at least one pixel each way.
 * @throws ClassifierError INVALID_REGION when it falls outside the image or rounds to nothing
 */
export function cropRect(region: Required<Region>, width: number, height: number): CropRect {
  const scaleX = region.unit === 'pixels' ? 1 : width;
  const scaleY = region.unit === 'pixels' ? 1 : height;
  const left = Math.round(region.x * scaleX);
  const top = Math.round(region.y * scaleY);
  const right = Math.round((region.x + region.width) * scaleX);
  const bottom = Math.round((region.y + region.height) * scaleY);
  if (right > width || bottom > height) {
    throw invalid(`options.region (${left}, ${top})-(${right}, ${bottom}) ends outside the ${width}x${height} image.`, { region, width, height });
  }
  if (right - left < 1 || bottom - top < 1) throw invalid(`options.region covers less than one pixel of the ${width}x${height} image.`, { region, width, height });
  return { sx: left, sy: top, sw: right - left, sh: bottom - top };
}

/** The region's part of a cache key: the same picture cut differently is a different answer. */
export function regionKey(region: Required<Region> | undefined): string {
  return region ? `|region:${region.unit}:${region.x},${region.y},${region.width},${region.height}` : '';
}
