/**
 * One image file → the model tensor, with the page's checks and the page's
 * preprocessing code: the size limit before reading, the content sniffed by
 * magic bytes (never the name), the pixel limit from the header before
 * decoding; then sharp decodes to straight RGBA (EXIF orientation applied
 * unless the manifest ignores it, ICC profile per the manifest: pack.ts
 * decodeRgba), and src/preprocess/pipeline.ts does the rest exactly as the
 * page does after its decode: alpha composited on the background or dropped
 * (manifest.input.alpha), the JS resampler (resizeForModel), the tensor
 * (pixelsToModelTensor). docs/node.md lists where sharp's decode differs from
 * a browser's.
 */
import { stat, readFile } from 'node:fs/promises';
import { ClassifierError, describeError } from '../errors.js';
import { checkPixels, encodedWarnings } from '../input/decode.js';
import { type SniffResult, sniffImage } from '../input/sniff.js';
import { DEFAULT_LIMITS, DEFAULTS, type InputLimits } from '../options.js';
import { preprocessRgba } from '../preprocess/pipeline.js';
import type { ModelManifest } from '../types.js';
import { importPeer } from './node-model.js';
import { decodeRgba } from './pack.js';

/** Options of {@link fileToTensor}. */
export interface FileTensorOptions {
  /**
   * The page's input limits: larger files or images are INPUT_TOO_LARGE before reading or decoding.
   * @defaultValue {@link DEFAULT_LIMITS} (20 MiB, 50 megapixels)
   */
  limits?: Partial<InputLimits> | undefined;
  /**
   * What transparent pixels are composited on (manifest `input.alpha: 'composite'`), as the page's
   * `preprocessing.background`: `#rgb`, `#rrggbb`, `white` or `black`.
   * @defaultValue `'#ffffff'` (`DEFAULTS.preprocessing.background`)
   */
  background?: string | undefined;
}

/** A file made into the model's input. */
export interface FileTensor {
  /** The model input, batch 1, in the manifest's layout. */
  tensor: Float32Array;
  /** The decoded image's size (after EXIF orientation). */
  width: number;
  height: number;
  /** What the header said. */
  format: SniffResult['format'];
  /** Non-fatal observations, as the page makes them (a truncated JPEG, a tiny image). */
  warnings: string[];
  timings: {
    /** Reading, sniffing and decoding to RGBA. */
    decodeMs: number;
    /** Alpha, resampling and normalisation into the tensor. */
    preprocessMs: number;
  };
}

type RGB = [number, number, number];

/**
 * A background colour as the page's option takes it, limited to what needs no CSS parser.
 * @throws TypeError naming the option for anything else
 */
export function parseBackground(css: string, option = 'options.background'): RGB {
  const named: Record<string, RGB> = { white: [255, 255, 255], black: [0, 0, 0] };
  const value = css.trim().toLowerCase();
  if (named[value]) return named[value];
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(value);
  if (short) return [parseInt(short[1]!.repeat(2), 16), parseInt(short[2]!.repeat(2), 16), parseInt(short[3]!.repeat(2), 16)];
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(value);
  if (long) return [parseInt(long[1]!, 16), parseInt(long[2]!, 16), parseInt(long[3]!, 16)];
  throw new TypeError(`${option} must be a colour as #rgb, #rrggbb, white or black; got ${JSON.stringify(css)}`);
}

let sharpReady: Promise<unknown> | undefined;
/** sharp is an optional peer: a missing one is ENGINE_UNAVAILABLE with the install command, before any file. */
export function requireSharp(): Promise<unknown> {
  sharpReady ??= importPeer('sharp', 'classify (image decoding in Node)').catch((error: unknown) => {
    sharpReady = undefined;
    throw error;
  });
  return sharpReady;
}

function errnoOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

async function readChecked(file: string, limits: InputLimits): Promise<Uint8Array> {
  const unreadable = (error: unknown) => new ClassifierError('UNSUPPORTED_INPUT', `The file could not be read: ${describeError(error)}`, { cause: error, details: { errno: errnoOf(error) } });
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw unreadable(error);
  }
  if (size > limits.maxBytes) {
    const mib = (n: number) => (n / 1048576).toFixed(1);
    throw new ClassifierError('INPUT_TOO_LARGE', `Input is ${mib(size)} MiB; the limit is ${mib(limits.maxBytes)} MiB (option limits.maxBytes).`, { details: { bytes: size, maxBytes: limits.maxBytes } });
  }
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    throw unreadable(error);
  }
}

/**
 * A file → the model tensor, as classifyFiles makes it (and as the page makes it from the same RGBA).
 * @example
 * ```ts
 * import { fileToTensor } from 'inpage-classifier/node';
 * const { tensor, timings } = await fileToTensor('photo.jpg', manifest);
 * ```
 * @throws ClassifierError UNSUPPORTED_INPUT (not an accepted image, or unreadable), INPUT_TOO_LARGE, DECODE_FAILED, PREPROCESS_FAILED; ENGINE_UNAVAILABLE without sharp
 */
export async function fileToTensor(file: string, manifest: Pick<ModelManifest, 'input'>, options: FileTensorOptions = {}): Promise<FileTensor> {
  const limits: InputLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const background = parseBackground(options.background ?? DEFAULTS.preprocessing.background);
  await requireSharp();
  const t0 = performance.now();
  const bytes = await readChecked(file, limits);
  const info = sniffImage(bytes);
  checkPixels(info.width, info.height, limits);
  let image: Awaited<ReturnType<typeof decodeRgba>>;
  try {
    image = await decodeRgba(file, manifest);
  } catch (error) {
    const hint = info.format === 'bmp' ? ' (sharp\'s libvips has no BMP reader, browsers have one: convert the file to PNG)' : '';
    throw new ClassifierError('DECODE_FAILED', `The ${info.format.toUpperCase()} image could not be decoded by sharp${hint}: ${describeError(error)}`, { cause: error, details: { format: info.format } });
  }
  const t1 = performance.now();
  let tensor: Float32Array;
  try {
    tensor = preprocessRgba(image.data, image.width, image.height, manifest.input, background);
  } catch (error) {
    throw new ClassifierError('PREPROCESS_FAILED', `Preprocessing the ${image.width}x${image.height} image failed: ${describeError(error)}`, { cause: error });
  }
  const t2 = performance.now();
  return { tensor, width: image.width, height: image.height, format: info.format, warnings: encodedWarnings(bytes, info), timings: { decodeMs: t1 - t0, preprocessMs: t2 - t1 } };
}
