import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClassifierError } from '../src/errors.js';
import { ACCEPTED_IMAGE_TYPES, sniffImage, type SniffResult } from '../src/input/sniff.js';

const dataDir = new URL('../../shared/data/', import.meta.url);
const hasData = existsSync(dataDir);

function read(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(rel, dataDir)));
}

/** Runs sniffImage and returns the ClassifierError it must throw. */
function sniffError(bytes: Uint8Array): ClassifierError {
  try {
    sniffImage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ClassifierError);
    return error as ClassifierError;
  }
  throw new Error('expected sniffImage to throw');
}

function expectUnsupported(bytes: Uint8Array, detected: string, mentions?: RegExp): ClassifierError {
  const err = sniffError(bytes);
  expect(err.code).toBe('UNSUPPORTED_INPUT');
  expect(err.details).toMatchObject({ detected });
  for (const type of ACCEPTED_IMAGE_TYPES) expect(err.message).toContain(type);
  if (mentions) expect(err.message).toMatch(mentions);
  return err;
}

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const u32be = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number): number[] => u32be(n).reverse();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe.skipIf(!hasData)(`sniffImage on real files (needs ../shared/data${hasData ? '' : ': not found, skipped'})`, () => {
  it.each([
    ['bad/zero_bytes.jpg', 'empty', /empty \(0 bytes\)/],
    ['bad/text_file_renamed.jpg', 'text', /plain text/],
    ['bad/html_page_renamed.png', 'html', /HTML page/],
    ['bad/vector_cat_drawing.svg', 'svg', /SVG is not accepted.*rasterize/],
    ['bad/tiff_not_browser_decodable.tiff', 'tiff', /TIFF/],
  ])('%s -> UNSUPPORTED_INPUT (%s)', (file, detected, mentions) => {
    expectUnsupported(read(file), detected, mentions);
  });

  it('truncated_header_only.jpg -> DECODE_FAILED (SOF is there, but the file ends inside the Huffman tables)', () => {
    const err = sniffError(read('bad/truncated_header_only.jpg'));
    expect(err.code).toBe('DECODE_FAILED');
    expect(err.message).toMatch(/JPEG header is truncated/);
    expect(err.details).toMatchObject({ format: 'jpeg', width: 1546, height: 1213 });
  });

  it.each<[string, Omit<SniffResult, 'mime'>]>([
    ['bad/bomb_20000x20000_header_only.png', { format: 'png', width: 20000, height: 20000 }],
    ['bad/bomb_20000x20000_valid_1bit.png', { format: 'png', width: 20000, height: 20000 }],
    ['bad/bomb_65500x65500_header.jpg', { format: 'jpeg', width: 65500, height: 65500 }],
    ['bad/png_named_as.jpg', { format: 'png', width: 800, height: 600 }],
    ['bad/bitmap.bmp', { format: 'bmp', width: 800, height: 600 }],
    ['bad/webp_lossy.webp', { format: 'webp', width: 800, height: 600 }],
    ['bad/webp_lossless_alpha.webp', { format: 'webp', width: 451, height: 300 }],
    ['bad/webp_animated.webp', { format: 'webp', width: 320, height: 240 }],
    ['bad/animated_3_frames_cat_dog_eagle.gif', { format: 'gif', width: 320, height: 240 }],
    ['bad/progressive.jpg', { format: 'jpeg', width: 773, height: 606 }],
    // Stored dims; EXIF orientation 6 makes it display as 448x288.
    ['bad/exif_orientation_6.jpg', { format: 'jpeg', width: 288, height: 448 }],
    ['bad/cmyk.jpg', { format: 'jpeg', width: 451, height: 300 }],
    ['bad/truncated_40pct.jpg', { format: 'jpeg', width: 1546, height: 1213 }],
    ['bad/tiny_1x1.jpg', { format: 'jpeg', width: 1, height: 1 }],
    ['bad/extreme_aspect_3x3000.png', { format: 'png', width: 3, height: 3000 }],
  ])('%s -> %o', (file, expected) => {
    const result = sniffImage(read(file));
    expect(result).toMatchObject(expected);
    expect(result.mime).toBe(`image/${expected.format}`);
  });

  const photoFiles = hasData
    ? ['photos/', 'photos/drawings/'].flatMap((dir) =>
        readdirSync(new URL(dir, dataDir))
          .filter((name) => /\.(jpe?g|png)$/i.test(name))
          .map((name) => dir + name),
      )
    : [];

  it('finds the photos', () => {
    expect(photoFiles.length).toBeGreaterThan(40);
  });

  it.each(photoFiles)('%s sniffs to jpeg or png with a size', (file) => {
    const result = sniffImage(read(file));
    expect(['jpeg', 'png']).toContain(result.format);
    expect(result.format).toBe(/\.png$/i.test(file) ? 'png' : 'jpeg');
    expect(result.width).toBeGreaterThan(0);
    expect(result.height).toBeGreaterThan(0);
  });
});

describe('sniffImage on synthetic bytes', () => {
  it('VP8X WebP: 24-bit canvas size minus one', () => {
    // 5000x3000: width-1 = 4999 = 0x001387, height-1 = 2999 = 0x000bb7
    const bytes = new Uint8Array([
      ...ascii('RIFF'), ...u32le(22), ...ascii('WEBPVP8X'), ...u32le(10),
      0x10, 0, 0, 0, 0x87, 0x13, 0x00, 0xb7, 0x0b, 0x00,
    ]);
    expect(sniffImage(bytes)).toEqual({ format: 'webp', mime: 'image/webp', width: 5000, height: 3000 });
  });

  it('VP8L WebP: 14-bit packed width-1 / height-1', () => {
    const bits = (100 - 1) | ((50 - 1) << 14);
    const bytes = new Uint8Array([...ascii('RIFF'), ...u32le(22), ...ascii('WEBPVP8L'), ...u32le(10), 0x2f, ...u32le(bits), 0, 0, 0, 0, 0]);
    expect(sniffImage(bytes)).toMatchObject({ format: 'webp', width: 100, height: 50 });
  });

  it('BMP with negative (top-down) height', () => {
    const bytes = new Uint8Array(54);
    const v = new DataView(bytes.buffer);
    bytes.set(ascii('BM'));
    v.setUint32(14, 40, true);
    v.setInt32(18, 640, true);
    v.setInt32(22, -480, true);
    expect(sniffImage(bytes)).toEqual({ format: 'bmp', mime: 'image/bmp', width: 640, height: 480 });
  });

  it('text starting with "BM" is not taken for a BMP', () => {
    expectUnsupported(text('BMW 320i, blue, 1998. Service history available on request.\n'), 'text');
  });

  const ftyp = (major: string, compat: string[]): number[] => [
    ...u32be(16 + 4 * compat.length), ...ascii('ftyp'), ...ascii(major), 0, 0, 0, 0, ...compat.flatMap(ascii),
  ];
  const ispe = (w: number, h: number): number[] => [...u32be(20), ...ascii('ispe'), 0, 0, 0, 0, ...u32be(w), ...u32be(h)];

  it('AVIF: ftyp brand + first ispe box', () => {
    const bytes = new Uint8Array([...ftyp('avif', ['mif1', 'miaf']), ...u32be(8), ...ascii('meta'), ...ispe(4032, 3024)]);
    expect(sniffImage(bytes)).toEqual({ format: 'avif', mime: 'image/avif', width: 4032, height: 3024 });
  });

  it('AVIF as compatible brand (avis)', () => {
    const bytes = new Uint8Array([...ftyp('msf1', ['avis']), ...ispe(64, 32)]);
    expect(sniffImage(bytes)).toMatchObject({ format: 'avif', width: 64, height: 32 });
  });

  it('AVIF without ispe -> DECODE_FAILED', () => {
    const err = sniffError(new Uint8Array([...ftyp('avif', ['mif1']), ...new Array<number>(32).fill(0)]));
    expect(err.code).toBe('DECODE_FAILED');
    expect(err.details).toMatchObject({ format: 'avif' });
  });

  it('HEIC (ISO-BMFF, not AVIF) -> UNSUPPORTED_INPUT', () => {
    expectUnsupported(new Uint8Array([...ftyp('heic', ['mif1', 'heic']), ...ispe(10, 10)]), 'heif', /HEIC/);
  });

  it('Git LFS pointer -> UNSUPPORTED_INPUT', () => {
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 12345\n';
    expectUnsupported(text(pointer), 'git-lfs-pointer', /Git LFS pointer/);
  });

  it('HTML with leading whitespace and BOM -> UNSUPPORTED_INPUT', () => {
    expectUnsupported(text('\uFEFF\n\n   \t<!DOCTYPE HTML>\n<html><body>404</body></html>'), 'html', /HTML page/);
    expectUnsupported(text('  <HTML lang="en"><body>Forbidden</body></HTML>'), 'html', /failed download/);
  });

  it('SVG without an XML prolog -> UNSUPPORTED_INPUT', () => {
    expectUnsupported(text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'), 'svg', /rasterize/);
  });

  it('TIFF big-endian -> UNSUPPORTED_INPUT', () => {
    expectUnsupported(new Uint8Array([...ascii('MM'), 0, 42, 0, 0, 0, 8]), 'tiff', /TIFF/);
  });

  it('unknown binary -> UNSUPPORTED_INPUT', () => {
    expectUnsupported(new Uint8Array([0x00, 0x01, 0x02, 0xfe, 0x99, 0x10, 0x00, 0x00]), 'unknown', /first bytes: 00 01 02 fe/);
  });

  it('JPEG with fill bytes and standalone markers before SOF', () => {
    const bytes = new Uint8Array([
      0xff, 0xd8,
      0xff, 0xff, 0xff, 0xd0, // fill bytes then RST0 (no length)
      0xff, 0x01, // TEM (no length)
      0xff, 0xe1, 0x00, 0x04, 0xaa, 0xbb, // APP1, skipped by length
      0xff, 0xc2, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x01, 0x01, 0x11, 0x00, // SOF2 480x640
      0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
    ]);
    expect(sniffImage(bytes)).toEqual({ format: 'jpeg', mime: 'image/jpeg', width: 640, height: 480 });
  });

  it('JPEG cut before any SOF -> DECODE_FAILED', () => {
    const err = sniffError(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]));
    expect(err.code).toBe('DECODE_FAILED');
    expect(err.message).toMatch(/JPEG header is truncated.*SOF/);
    expect(err.details).toEqual({ format: 'jpeg' });
  });

  it('JPEG with zero width -> DECODE_FAILED', () => {
    const bytes = new Uint8Array([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x00, 0x01, 0x01, 0x11, 0x00,
      0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00,
    ]);
    expect(sniffError(bytes).code).toBe('DECODE_FAILED');
  });

  it('PNG signature only -> DECODE_FAILED', () => {
    const err = sniffError(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    expect(err.code).toBe('DECODE_FAILED');
    expect(err.details).toEqual({ format: 'png' });
  });

  it('GIF87a logical screen size', () => {
    const bytes = new Uint8Array([...ascii('GIF87a'), 0x40, 0x01, 0xf0, 0x00, 0, 0, 0]);
    expect(sniffImage(bytes)).toEqual({ format: 'gif', mime: 'image/gif', width: 320, height: 240 });
  });

  it('works on a subarray view with a byteOffset', () => {
    const backing = new Uint8Array([9, 9, 9, ...ascii('GIF89a'), 2, 0, 3, 0, 0]);
    expect(sniffImage(backing.subarray(3))).toMatchObject({ format: 'gif', width: 2, height: 3 });
  });

  it('lists the accepted types', () => {
    expect(ACCEPTED_IMAGE_TYPES).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/bmp', 'image/avif']);
  });
});
