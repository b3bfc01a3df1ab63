/**
 * EXIF orientation, read and neutralised in the encoded bytes. Chromium's
 * createImageBitmap applies a JPEG's orientation even with
 * `imageOrientation: 'none'` (measured: e2e/real-models.test.ts), so a
 * manifest that asks for the stored rows (a server that never calls
 * ImageOps.exif_transpose) gets a copy of the file whose orientation tag says 1.
 */

const ORIENTATION_TAG = 0x0112;

/** Byte offset of the orientation value (a SHORT in IFD0) in a JPEG, or -1. */
function orientationOffset(b: Uint8Array): { at: number; littleEndian: boolean } | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1]!;
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no EXIF before it
    const length = (b[p + 2]! << 8) | b[p + 3]!;
    const start = p + 4;
    // APP1 "Exif\0\0" then a TIFF header.
    if (marker === 0xe1 && b[start] === 0x45 && b[start + 1] === 0x78 && b[start + 2] === 0x69 && b[start + 3] === 0x66 && b[start + 4] === 0 && b[start + 5] === 0) {
      const tiff = start + 6;
      const le = b[tiff] === 0x49;
      const u16 = (o: number) => (le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!);
      const u32 = (o: number) => (le ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 2 ** 24 : b[o]! * 2 ** 24 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!));
      const ifd = tiff + u32(tiff + 4);
      const end = Math.min(start + length - 2, b.length);
      if (tiff + 8 > end) return null;
      if (ifd + 2 > end) return null;
      const count = u16(ifd);
      for (let i = 0; i < count; i++) {
        const entry = ifd + 2 + i * 12;
        if (entry + 12 > end) return null;
        if (u16(entry) === ORIENTATION_TAG) return { at: entry + 8, littleEndian: le };
      }
      return null;
    }
    p = start + length - 2;
  }
  return null;
}

/** The EXIF orientation of a JPEG (1–8), or 1 when it has none. */
export function exifOrientation(bytes: Uint8Array): number {
  const found = orientationOffset(bytes);
  if (!found) return 1;
  const { at, littleEndian } = found;
  return littleEndian ? bytes[at]! | (bytes[at + 1]! << 8) : (bytes[at]! << 8) | bytes[at + 1]!;
}

/** The bytes with the orientation tag set to 1 (a copy), or the same bytes when there is nothing to undo. */
export function withoutOrientation(bytes: Uint8Array): Uint8Array {
  const found = orientationOffset(bytes);
  if (!found || exifOrientation(bytes) === 1) return bytes;
  const copy = bytes.slice();
  copy[found.at] = found.littleEndian ? 1 : 0;
  copy[found.at + 1] = found.littleEndian ? 0 : 1;
  return copy;
}
