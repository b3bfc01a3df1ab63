/**
 * Each engine x each backend, forced one at a time, on real models and real
 * photos: the browser's top-1 must equal the Node reference's top-1 on the
 * SAME preprocessed tensor (read back from the page), and the probabilities
 * must agree closely. Full photo set on WASM; a handful on the emulated GPU
 * backends (seconds per image there).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendName, EngineName, LocalBackendName, LocalEngineName, ModelManifest } from '../src/types.js';
import { BACKENDS } from '../tools/browser/matrix.js';
import { loadParityConfig } from '../tools/parity/run.js';
import { type BrowserSession, openDemo } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, ONNX_MODEL_FILE, photoNames, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';
import { classifyUrl, createInPage } from './helpers/page-api.js';
import { argmax, maxAbsDiff, ortReference, type Reference, tfjsReference } from './helpers/reference.js';

const DEFAULT_MODEL_DIR = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2');

/** How many photos each backend classifies (emulated GPUs take seconds per image). */
const PHOTOS_PER_BACKEND: Record<LocalBackendName, number> = { wasm: Infinity, webgl: 3, webgpu: 2 };
/** Max |Δprob| vs the Node reference on the identical tensor: the parity thresholds (docs/parity.md). */
const TOLERANCE = loadParityConfig().tensor.maxAbsDiffProb;

interface EngineCase {
  engine: LocalEngineName;
  model: () => string | ModelManifest;
  baseUrl?: string;
  reference: () => Promise<Reference>;
}

const CASES: EngineCase[] = [
  {
    engine: 'ort',
    model: () => imagenetManifest(),
    baseUrl: '/shared-data/models/',
    reference: () => ortReference(join(SHARED_DATA, 'models', ONNX_MODEL_FILE), imagenetManifest()),
  },
  {
    engine: 'tfjs',
    model: () => '/models/nsfw-mobilenet-v2/manifest.json',
    reference: () => tfjsReference(DEFAULT_MODEL_DIR),
  },
];

describe.skipIf(!hasSharedData)(`engine x backend top-1 parity with Node (${hasSharedData ? 'shared data present' : SKIP_NO_DATA})`, () => {
  for (const c of CASES) {
    describe(c.engine, () => {
      let reference: Reference;
      beforeAll(async () => {
        reference = await c.reference();
      });
      afterAll(async () => {
        await reference?.dispose();
      });

      for (const backend of BACKENDS) {
        describe(backend, () => {
          let session: BrowserSession;
          beforeAll(async () => {
            session = await openDemo();
          });
          afterAll(async () => {
            await session?.close();
          });

          test(`${c.engine} on ${backend} agrees with the Node reference`, async () => {
            const info = await createInPage(session.page, { model: c.model(), backends: [backend], ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}) });
            expect(info.backend).toBe(backend);
            expect(info.engine).toBe(c.engine);
            const photos = photoNames().slice(0, PHOTOS_PER_BACKEND[backend]);
            const rows: string[] = [];
            for (const photo of photos) {
              const outcome = await classifyUrl(session.page, `/shared-data/photos/${photo}`, { withTensor: true });
              if (!outcome.ok) throw new Error(`${photo}: ${outcome.code} ${outcome.message}`);
              const { result } = outcome;
              const expected = await reference.run(result.tensor!);
              const diff = maxAbsDiff(result.scores, expected);
              rows.push(`${photo}: ${result.top[0]!.label} ${result.top[0]!.score.toFixed(4)} |Δ|=${diff.toExponential(1)}`);
              expect(result.backend).toBe(backend);
              expect(result.top[0]!.index, `${photo} top-1`).toBe(argmax(expected));
              expect(diff, `${photo} max |Δprob|`).toBeLessThanOrEqual(TOLERANCE[backend]);
            }
            console.log(`${c.engine}/${backend} (${photos.length} photos, init ${info.initMs.toFixed(0)} ms)\n  ${rows.join('\n  ')}`);
            expect(session.blocked, 'non-localhost requests').toEqual([]);
          });
        });
      }
    });
  }
});
