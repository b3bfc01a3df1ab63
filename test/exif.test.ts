import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exifOrientation, withoutOrientation } from '../src/input/exif.js';
import { hasSharedData, SHARED_DATA } from '../tools/shared-data.js';

const SKIP = 'needs ../shared/data; absent here, skipped';

describe.skipIf(!hasSharedData)(`EXIF orientation in JPEG bytes (${hasSharedData ? 'shared bad-input corpus' : SKIP})`, () => {
  const read = (name: string) => new Uint8Array(readFileSync(join(SHARED_DATA, 'bad', name)));
  it.each([['exif_orientation_3.jpg', 3], ['exif_orientation_6.jpg', 6], ['exif_orientation_8.jpg', 8], ['exif_orientation_1_reference.jpg', 1]])('%s says %i', (name, expected) => {
    expect(exifOrientation(read(name))).toBe(expected);
  });
  it('withoutOrientation sets the tag to 1 in a copy and changes no other byte', () => {
    const bytes = read('exif_orientation_6.jpg');
    const out = withoutOrientation(bytes);
    expect(exifOrientation(out)).toBe(1);
    expect(exifOrientation(bytes)).toBe(6);
    let changed = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== out[i]) changed++;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(changed).toBeLessThanOrEqual(2);
  });
  it('leaves files without an orientation (or with 1) as they are, and never reads past a truncated header', () => {
    const plain = read('exif_orientation_1_reference.jpg');
    expect(withoutOrientation(plain)).toBe(plain);
    expect(exifOrientation(read('exif_orientation_6.jpg').subarray(0, 24))).toBe(1);
    expect(exifOrientation(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe(1);
  });
});
