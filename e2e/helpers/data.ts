/**
 * Test data from ../shared/data, read by path (tools/shared-data.ts). Tests
 * that need it skip with a clear message where it is absent.
 */
import { join } from 'node:path';
import { hasSharedData, imageFiles, SHARED_DATA } from '../../tools/shared-data.js';

export { hasSharedData, imagenetManifest, ONNX_MODEL_FILE, readShared, sha256, SHARED_DATA } from '../../tools/shared-data.js';
export const SKIP_NO_DATA = 'needs ../shared/data (test photos and models); absent here, skipped';

export function photoNames(dir = 'photos'): string[] {
  return hasSharedData ? imageFiles(join(SHARED_DATA, dir)) : [];
}
