/**
 * Identifies an image by its magic bytes (never by file name) and reads its
 * pixel dimensions from the header without decoding, so callers can refuse
 * decompression bombs before anything is allocated. Browser-safe: DataView
 * only, no Node APIs, no dependencies.
 */
import { ClassifierError } from '../errors.js';

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'avif';

export interface SniffResult {
  format: ImageFormat;
  mime: string;
  width: number;
  height: number;
}

const MIME: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  bmp: 'image/bmp',
  avif: 'image/avif',
};

/** Accepted formats, for error messages. */
export const ACCEPTED_IMAGE_TYPES: readonly string[] = Object.freeze(Object.values(MIME));

interface Dims {
  width: number;
  height: number;
}

/** How far into the file we look for an AVIF `ispe` box (it sits in `meta`, near the start). */
const AVIF_SEARCH_BYTES = 64 * 1024;
/** How much of a non-image we inspect to say what it is. */
const TEXT_SNIFF_BYTES = 1024;

export function sniffImage(bytes: Uint8Array): SniffResult {
  if (bytes.length === 0) throw unsupported('empty', 'The input is empty (0 bytes).');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let format: ImageFormat;
  let dims: Dims;
  if (matchAt(bytes, 0, [0xff, 0xd8, 0xff])) [format, dims] = ['jpeg', jpegDims(v)];
  else if (matchAt(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) [format, dims] = ['png', pngDims(v)];
  else if (matchAt(bytes, 0, 'GIF87a') || matchAt(bytes, 0, 'GIF89a')) [format, dims] = ['gif', gifDims(v)];
  else if (matchAt(bytes, 0, 'RIFF') && matchAt(bytes, 8, 'WEBP')) [format, dims] = ['webp', webpDims(v)];
  else if (isBmp(v)) [format, dims] = ['bmp', bmpDims(v)];
  else if (matchAt(bytes, 4, 'ftyp')) [format, dims] = ['avif', avifDims(bytes, v)];
  else throw describeNonImage(bytes);

  if (!(dims.width > 0 && dims.height > 0)) {
    throw decodeFailed(format, `${format.toUpperCase()} header declares an empty image (${dims.width}x${dims.height}).`, dims);
  }
  return { format, mime: MIME[format], width: dims.width, height: dims.height };
}

// ---------------------------------------------------------------- formats

/** Walks JPEG markers to the frame header (SOFn). Dimensions are as stored: EXIF orientation is not applied (irrelevant for a pixel-count limit). */
function jpegDims(v: DataView): Dims {
  const len = v.byteLength;
  let dims: Dims | undefined;
  let i = 2;
  while (i < len) {
    if (v.getUint8(i) !== 0xff) throw decodeFailed('jpeg', `JPEG is corrupt: expected a marker at byte ${i}.`);
    while (i < len && v.getUint8(i) === 0xff) i++; // fill bytes: any number of 0xFF may precede a marker code
    if (i >= len) break;
    const marker = v.getUint8(i++);
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, SOI, RSTn: no length
    if (marker === 0xd9) throw decodeFailed('jpeg', 'JPEG is corrupt: end of image before any scan data.', dims);
    if (i + 2 > len) break;
    const segLen = v.getUint16(i);
    if (segLen < 2) throw decodeFailed('jpeg', `JPEG is corrupt: segment length ${segLen} at byte ${i}.`);
    if (isSof(marker)) {
      if (i + 7 > len) break;
      dims = { height: v.getUint16(i + 3), width: v.getUint16(i + 5) };
    }
    // Go on to the start of scan: a file cut inside its tables (after SOF) can't be decoded either.
    if (marker === 0xda) {
      if (dims) return dims;
      throw decodeFailed('jpeg', 'JPEG is corrupt: scan data before the frame header (SOF).');
    }
    i += segLen;
  }
  const where = dims ? 'before the start of scan (SOS)' : 'before the frame header (SOF)';
  throw decodeFailed('jpeg', `JPEG header is truncated: the data ends ${where}, after ${len} bytes.`, dims);
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

function pngDims(v: DataView): Dims {
  // IHDR must be the first chunk: length(4) type(4) width(4) height(4) at 8..24.
  if (v.byteLength < 24 || !matchAt(bytesOf(v), 12, 'IHDR')) {
    throw decodeFailed('png', `PNG header is truncated or missing IHDR (${v.byteLength} bytes).`);
  }
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

function gifDims(v: DataView): Dims {
  if (v.byteLength < 10) throw decodeFailed('gif', `GIF header is truncated (${v.byteLength} bytes).`);
  return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
}

function webpDims(v: DataView): Dims {
  const b = bytesOf(v);
  if (v.byteLength < 30) throw decodeFailed('webp', `WebP header is truncated (${v.byteLength} bytes).`);
  if (matchAt(b, 12, 'VP8 ')) {
    // Lossy: 3-byte frame tag at 20, start code 9d 01 2a, then 14-bit dims (top 2 bits are scaling).
    if (!matchAt(b, 23, [0x9d, 0x01, 0x2a])) throw decodeFailed('webp', 'WebP (VP8) frame start code is missing.');
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  if (matchAt(b, 12, 'VP8L')) {
    if (v.getUint8(20) !== 0x2f) throw decodeFailed('webp', 'WebP (VP8L) signature byte is missing.');
    const bits = v.getUint32(21, true); // width-1 in bits 0..13, height-1 in bits 14..27
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (matchAt(b, 12, 'VP8X')) {
    // Extended (animation, alpha, metadata): 24-bit canvas width-1 / height-1.
    return { width: uint24le(v, 24) + 1, height: uint24le(v, 27) + 1 };
  }
  throw decodeFailed('webp', 'WebP has an unknown first chunk (expected VP8, VP8L or VP8X).');
}

/** 'BM' alone is too weak (text can start with it): also require a known DIB header size. */
function isBmp(v: DataView): boolean {
  if (v.byteLength < 18 || v.getUint16(0) !== 0x424d) return false;
  return [12, 40, 52, 56, 64, 108, 124].includes(v.getUint32(14, true));
}

function bmpDims(v: DataView): Dims {
  if (v.getUint32(14, true) === 12) {
    // OS/2 BITMAPCOREHEADER: unsigned 16-bit dims.
    if (v.byteLength < 22) throw decodeFailed('bmp', `BMP header is truncated (${v.byteLength} bytes).`);
    return { width: v.getUint16(18, true), height: v.getUint16(20, true) };
  }
  if (v.byteLength < 26) throw decodeFailed('bmp', `BMP header is truncated (${v.byteLength} bytes).`);
  // Negative height means rows are stored top-down; the size is the same.
  return { width: v.getInt32(18, true), height: Math.abs(v.getInt32(22, true)) };
}

function avifDims(b: Uint8Array, v: DataView): Dims {
  const brands = ftypBrands(v);
  if (!brands.includes('avif') && !brands.includes('avis')) {
    const brand = brands[0] ?? '?';
    const heif = ['heic', 'heix', 'heim', 'heis', 'mif1', 'msf1'].includes(brand);
    throw unsupported(
      heif ? 'heif' : `iso-bmff:${brand}`,
      heif
        ? `The input is a HEIC/HEIF image (brand '${brand}'), which most browsers cannot decode; convert it to JPEG.`
        : `The input is an ISO-BMFF file with brand '${brand}' (a video or other media), not an accepted image.`,
    );
  }
  // A full box parse is not needed: the first 'ispe' (image spatial extents) is the primary image's in practice.
  const end = Math.min(b.length, AVIF_SEARCH_BYTES);
  for (let i = 8; i + 16 <= end; i++) {
    if (matchAt(b, i, 'ispe')) return { width: v.getUint32(i + 8), height: v.getUint32(i + 12) };
  }
  throw decodeFailed('avif', 'AVIF header has no image size (ispe box) in its first 64 KB.');
}

/** Major brand then compatible brands of the leading `ftyp` box. */
function ftypBrands(v: DataView): string[] {
  const size = Math.min(v.byteLength < 8 ? 0 : v.getUint32(0), v.byteLength);
  const out: string[] = [];
  for (let i = 8; i + 4 <= size; i += 4) if (i !== 12) out.push(ascii(bytesOf(v), i, 4)); // 12: minor version
  return out;
}

// ---------------------------------------------------------------- non-images

/** Names the common things that arrive instead of an image, so the message can say what to fix. */
function describeNonImage(b: Uint8Array): ClassifierError {
  if (matchAt(b, 0, 'II*\0') || matchAt(b, 0, 'MM\0*')) {
    return unsupported('tiff', 'TIFF is not decodable by most browsers; convert it to PNG or JPEG.');
  }
  let head = ascii(b, 0, TEXT_SNIFF_BYTES);
  if (head.startsWith('\xef\xbb\xbf')) head = head.slice(3); // UTF-8 BOM
  const text = head.trimStart().toLowerCase();
  if (text.startsWith('version https://git-lfs')) {
    return unsupported('git-lfs-pointer', 'The input is a Git LFS pointer file, not the image: fetch the real file (git lfs pull).');
  }
  if (text.startsWith('<!doctype html') || text.startsWith('<html')) {
    return unsupported('html', 'The input looks like an HTML page (a failed download or error page?), not an image.');
  }
  if (text.startsWith('<svg') || text.startsWith('<!doctype svg') || (text.startsWith('<?xml') && text.includes('<svg'))) {
    return unsupported('svg', 'SVG is not accepted: rasterize it to a canvas first (draw it with an <img> onto a canvas and pass that).');
  }
  if (looksLikeText(b)) return unsupported('text', 'The input is plain text, not an image.');
  const hex = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return unsupported('unknown', `The input is not a recognised image format (first bytes: ${hex}).`);
}

/** Mostly printable ASCII (or whitespace) and no NULs in the first KB. */
function looksLikeText(b: Uint8Array): boolean {
  const sample = b.subarray(0, TEXT_SNIFF_BYTES);
  let printable = 0;
  for (const x of sample) {
    if (x === 0) return false;
    if ((x >= 0x20 && x < 0x7f) || x === 0x09 || x === 0x0a || x === 0x0d) printable++;
  }
  return printable / sample.length >= 0.9;
}

// ---------------------------------------------------------------- helpers

function unsupported(detected: string, what: string): ClassifierError {
  return new ClassifierError('UNSUPPORTED_INPUT', `${what} Accepted: ${ACCEPTED_IMAGE_TYPES.join(', ')}.`, {
    details: { detected },
  });
}

function decodeFailed(format: ImageFormat, message: string, dims?: Dims): ClassifierError {
  return new ClassifierError('DECODE_FAILED', message, { details: { format, ...dims } });
}

function matchAt(b: Uint8Array, offset: number, sig: string | readonly number[]): boolean {
  if (offset + sig.length > b.length) return false;
  for (let k = 0; k < sig.length; k++) {
    const want = typeof sig === 'string' ? sig.charCodeAt(k) : sig[k];
    if (b[offset + k] !== want) return false;
  }
  return true;
}

/** Latin-1 view of a byte range (never throws on binary data, unlike a UTF-8 decode with fatal). */
function ascii(b: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...b.subarray(offset, offset + length));
}

function bytesOf(v: DataView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function uint24le(v: DataView, offset: number): number {
  return v.getUint8(offset) | (v.getUint8(offset + 1) << 8) | (v.getUint8(offset + 2) << 16);
}
