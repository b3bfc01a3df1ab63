/**
 * Turns any accepted input into something drawImage can take, after the
 * checks that must happen first: size limits (before reading or decoding),
 * content sniffing (magic bytes), pixel-count limit from the header (so a
 * decompression bomb is never allocated). EXIF orientation is applied by
 * createImageBitmap (`imageOrientation: 'from-image'`), as browsers display
 * it, unless the manifest says the server ignores it.
 */
import { ClassifierError, describeError } from '../errors.js';
import type { InputLimits } from '../options.js';
import type { ImageInput } from '../types.js';
import { withoutOrientation } from './exif.js';
import { ACCEPTED_IMAGE_TYPES, type SniffResult, sniffImage } from './sniff.js';

export interface Drawable {
  source: CanvasImageSource;
  /** Size after orientation. */
  width: number;
  height: number;
  warnings: string[];
  /** Frees what decoding allocated (ImageBitmaps we created). */
  release(): void;
}

const ACCEPTED_OBJECTS = 'Blob/File, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageData, HTMLVideoElement or VideoFrame';

/** `value instanceof globalThis[ctor]`, false where the realm has no such constructor (a worker has no HTMLVideoElement). */
export const isA = <T>(ctor: string, value: unknown): value is T => {
  const C = (globalThis as Record<string, unknown>)[ctor];
  return typeof C === 'function' && value instanceof (C as abstract new (...args: never[]) => unknown);
};

function unsupported(what: string): ClassifierError {
  return new ClassifierError('UNSUPPORTED_INPUT', `Cannot classify ${what}. Accepted: ${ACCEPTED_OBJECTS}; encoded images as ${ACCEPTED_IMAGE_TYPES.join(', ')}.`, { details: { received: what } });
}

/** classifyBatch's argument must be an array (in the page and in the worker proxy alike). */
export function checkImageList(inputs: unknown): void {
  if (!Array.isArray(inputs)) throw new ClassifierError('UNSUPPORTED_INPUT', `classifyBatch needs an array of images; got ${describeValue(inputs)}.`);
}

/** A batch input's own error, with its position added (`details.index`). */
export function atInputIndex(error: unknown, index: number): unknown {
  if (!(error instanceof ClassifierError)) return error;
  return new ClassifierError(error.code, `Input ${index}: ${error.message}`, { cause: error, details: { ...error.details, index } });
}

/** "null", "a number", "a HTMLDivElement": for error messages about wrong inputs. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}

export function checkPixels(width: number, height: number, limits: InputLimits): void {
  if (width * height > limits.maxPixels) {
    throw new ClassifierError('INPUT_TOO_LARGE', `Image is ${width}x${height} = ${(width * height / 1e6).toFixed(1)} megapixels; the limit is ${(limits.maxPixels / 1e6).toFixed(1)} (option limits.maxPixels).`, {
      details: { width, height, maxPixels: limits.maxPixels },
    });
  }
}

/** Observations worth surfacing without failing (documented in the README); also bulk classification in Node's. */
export function encodedWarnings(bytes: Uint8Array, info: SniffResult): string[] {
  const warnings: string[] = [];
  const n = bytes.length;
  if (info.format === 'jpeg' && !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9)) {
    warnings.push('JPEG has no end-of-image marker: the file is truncated and part of the picture is missing.');
  }
  if (Math.min(info.width, info.height) < 32) warnings.push(`Image is only ${info.width}x${info.height} px: predictions on so few pixels are unreliable.`);
  return warnings;
}

export function isBlob(value: unknown): value is Blob {
  return isA<Blob>('Blob', value);
}

/** A Blob's bytes, refusing it by size before reading. */
export async function readBlob(blob: Blob, limits: InputLimits): Promise<Uint8Array> {
  if (blob.size > limits.maxBytes) {
    const mib = (n: number) => (n / 1048576).toFixed(1);
    throw new ClassifierError('INPUT_TOO_LARGE', `Input is ${mib(blob.size)} MiB; the limit is ${mib(limits.maxBytes)} MiB (option limits.maxBytes).`, {
      details: { bytes: blob.size, maxBytes: limits.maxBytes },
    });
  }
  return new Uint8Array(await blob.arrayBuffer());
}

/** How encoded images are decoded (from the manifest's input spec). */
export interface DecodeOptions {
  /** 'none': keep the stored values, ignoring an embedded ICC profile (as Pillow does). @defaultValue 'default' */
  colorSpaceConversion?: 'default' | 'none';
  /** 'none': the stored pixel rows, EXIF orientation ignored (as Image.open without exif_transpose). @defaultValue 'from-image' */
  imageOrientation?: 'from-image' | 'none';
  /** 'none': keep straight colour in transparent areas as far as the canvas allows (alpha 'drop'). @defaultValue 'default' */
  premultiplyAlpha?: 'default' | 'none';
}

/** Encoded image bytes → drawable: sniff, pixel limit from the header, then decode. */
export async function decodeEncoded(bytes: Uint8Array, limits: InputLimits, decode: DecodeOptions = {}): Promise<Drawable> {
  const info = sniffImage(bytes);
  checkPixels(info.width, info.height, limits);
  let bitmap: ImageBitmap;
  try {
    // Typed by content, not by the (possibly wrong) name or type of the Blob.
    // 'none' is not honoured for JPEG EXIF by Chromium: the tag itself is neutralised instead (exif.ts).
    const stored = decode.imageOrientation === 'none' ? withoutOrientation(bytes) : bytes;
    bitmap = await createImageBitmap(new Blob([stored as BlobPart], { type: info.mime }), {
      imageOrientation: 'from-image',
      premultiplyAlpha: decode.premultiplyAlpha ?? 'default',
      colorSpaceConversion: decode.colorSpaceConversion ?? 'default',
    });
  } catch (error) {
    throw new ClassifierError('DECODE_FAILED', `The ${info.format.toUpperCase()} image could not be decoded (corrupt or truncated data): ${describeError(error)}`, {
      cause: error,
      details: { format: info.format },
    });
  }
  return { source: bitmap, width: bitmap.width, height: bitmap.height, warnings: encodedWarnings(bytes, info), release: () => bitmap.close() };
}

const keep = (source: CanvasImageSource, width: number, height: number): Drawable => ({ source, width, height, warnings: [], release: () => {} });

function nonEmpty(width: number, height: number, what: string): void {
  if (!(width > 0 && height > 0)) throw new ClassifierError('UNSUPPORTED_INPUT', `${what} has no pixels (${width}x${height}).`, { details: { width, height } });
}

/** An already-decoded source, after the size checks every input type gets. */
function checked(source: CanvasImageSource, width: number, height: number, what: string, limits: InputLimits): Drawable {
  nonEmpty(width, height, what);
  checkPixels(width, height, limits);
  return keep(source, width, height);
}

/** @throws ClassifierError UNSUPPORTED_INPUT, INPUT_TOO_LARGE or DECODE_FAILED */
export async function toDrawable(input: ImageInput, limits: InputLimits, decode: DecodeOptions = {}): Promise<Drawable> {
  if (isBlob(input)) return decodeEncoded(await readBlob(input, limits), limits, decode);
  if (isA<ImageBitmap>('ImageBitmap', input)) return checked(input, input.width, input.height, 'The ImageBitmap (closed?)', limits);
  if (isA<HTMLImageElement>('HTMLImageElement', input)) {
    try {
      if (!input.complete || input.naturalWidth === 0) await input.decode();
    } catch (error) {
      throw new ClassifierError('DECODE_FAILED', `The <img> (${input.currentSrc || input.src || 'no src'}) could not be decoded: ${describeError(error)}`, { cause: error });
    }
    return checked(input, input.naturalWidth, input.naturalHeight, 'The <img>', limits);
  }
  if (isA<HTMLCanvasElement>('HTMLCanvasElement', input) || isA<OffscreenCanvas>('OffscreenCanvas', input)) {
    return checked(input, input.width, input.height, 'The canvas', limits);
  }
  if (isA<ImageData>('ImageData', input)) {
    nonEmpty(input.width, input.height, 'The ImageData');
    checkPixels(input.width, input.height, limits);
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(input);
    } catch (error) {
      throw new ClassifierError('DECODE_FAILED', `The ImageData could not be turned into a bitmap: ${describeError(error)}`, { cause: error });
    }
    return { ...keep(bitmap, bitmap.width, bitmap.height), release: () => bitmap.close() };
  }
  if (isA<HTMLVideoElement>('HTMLVideoElement', input)) {
    if (input.readyState < 2 /* HAVE_CURRENT_DATA */) {
      throw new ClassifierError('DECODE_FAILED', 'The <video> has no current frame yet (readyState < HAVE_CURRENT_DATA): wait for "loadeddata".', { details: { readyState: input.readyState } });
    }
    return checked(input, input.videoWidth, input.videoHeight, 'The <video>', limits);
  }
  if (isA<VideoFrame>('VideoFrame', input)) return checked(input, input.displayWidth, input.displayHeight, 'The VideoFrame (closed?)', limits);
  throw unsupported(describeValue(input));
}
