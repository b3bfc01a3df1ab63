/**
 * npm run bench:variants — the default model's ONNX twin (fp32) and its
 * uint8-weight variant side by side in one Chromium page, per backend: time
 * to a ready classifier (model from the Cache API after a first load, so it
 * is session creation, not download) and classify p50 on the same photos,
 * alternating the two classifiers image by image. Prints a Markdown table of
 * the ratios (docs/performance.md "Quantized variant").
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openLibraryPage, startDevServer } from '../browser/harness.js';
import { SHARED_DATA } from '../shared-data.js';

const VARIANTS = { fp32: '/models/nsfw-mobilenet-v2-onnx/manifest.json', uint8: '/models/nsfw-mobilenet-v2-onnx-uint8/manifest.json' } as const;
const backends = (process.argv.find((a) => a.startsWith('--backends='))?.slice(11) ?? 'wasm,webgl,webgpu').split(',');
const photoCount = Number(process.argv.find((a) => a.startsWith('--photos='))?.slice(9) ?? 12);

const server = await startDevServer();
const page = await openLibraryPage(server.url + '?autoload=0', { readyTimeoutMs: 180_000 });
const photos = readdirSync(join(SHARED_DATA, 'photos')).filter((f) => /\.(jpe?g|png)$/i.test(f)).slice(0, photoCount);
const rows: string[] = ['| backend | ready fp32 ms | ready uint8 ms | classify p50 fp32 ms | classify p50 uint8 ms | p50 ratio uint8/fp32 | top-1 agreement |', '|---|---:|---:|---:|---:|---:|---:|'];
try {
  for (const backend of backends) {
    const gpu = backend !== 'wasm';
    const out = await page.page.evaluate(async ({ variants, backend, photos }) => {
      const lib = window.inpageClassifier;
      const opts = { backends: [backend as 'wasm'], selection: { remember: false }, cache: false as const };
      const ready: Record<string, number> = {};
      const clfs: Record<string, Awaited<ReturnType<typeof lib.createClassifier>>> = {};
      for (const [name, model] of Object.entries(variants)) {
        (await lib.createClassifier({ ...opts, model })).dispose(); // first load: download into the Cache API
        const t0 = performance.now();
        clfs[name] = await lib.createClassifier({ ...opts, model });
        ready[name] = performance.now() - t0;
      }
      const times: Record<string, number[]> = { fp32: [], uint8: [] };
      let agree = 0;
      for (const p of photos) {
        const blob = await (await fetch(`/shared-data/photos/${p}`)).blob();
        const tops: string[] = [];
        for (const name of ['fp32', 'uint8']) {
          const t0 = performance.now();
          const r = await clfs[name]!.classify(blob);
          times[name]!.push(performance.now() - t0);
          tops.push(r.top[0]!.label);
        }
        if (tops[0] === tops[1]) agree++;
      }
      const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
      for (const c of Object.values(clfs)) await c.dispose();
      return { ready, p50: { fp32: p50(times.fp32!), uint8: p50(times.uint8!) }, agree, n: photos.length, used: backend };
    }, { variants: VARIANTS, backend, photos: gpu ? photos.slice(0, 4) : photos });
    rows.push(`| ${backend} | ${out.ready.fp32!.toFixed(0)} | ${out.ready.uint8!.toFixed(0)} | ${out.p50.fp32.toFixed(1)} | ${out.p50.uint8.toFixed(1)} | ${(out.p50.uint8 / out.p50.fp32).toFixed(2)} | ${out.agree}/${out.n} |`);
    console.error(rows.at(-1));
  }
} finally {
  await page.close();
  await server.close();
}
console.log(rows.join('\n'));
