/**
 * npm run parity -- [--out parity.json] [--model public/models/<id>/manifest.json]
 *                   [--images <dir>] [--backends wasm,webgl,webgpu] [--gpu-images 3]
 *                   [--server-url http://host/predict [--server-field file] [--server-response outputs.0.data]]
 *
 * Default: the default model (tfjs original + its ONNX twin, server = the twin
 * in onnxruntime-node) and, when ../shared/data is present, the ImageNet
 * MobileNetV2 ONNX (NCHW path). Prints a table, writes JSON, exits 1 when a
 * run misses its threshold (parity.config.json). With --server-url, the
 * reference is your running server instead (canvas runs only: it does not
 * expose its tensor); use it with --model. Its JSON answer is read by
 * tools/parity/server-response.ts (full scores, top-k lists, FastAPI top-1,
 * Hugging Face, Open Inference Protocol V2, TF Serving; --server-response
 * points at a custom field); a top-1-only answer gets top-1 agreement only.
 * --server-field <name> uploads multipart/form-data (FastAPI UploadFile)
 * instead of the raw body.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalBackendName } from '../src/types.js';
import { BACKENDS } from './browser/matrix.js';
import { formatTable, loadParityConfig, manifestLabels, type ModelGroup, runParity } from './parity/run.js';
import { hasSharedData, imageFiles, imagenetManifest, ONNX_MODEL_FILE, SHARED_DATA } from './shared-data.js';

const ROOT = join(import.meta.dirname, '..');
const PUBLIC = join(ROOT, 'public');

/** A manifest under public/: browser URL of it, and of its -onnx twin for the server side when it is a tfjs model. */
export function groupForManifest(manifestPath: string): ModelGroup {
  const abs = resolve(manifestPath);
  const rel = relative(PUBLIC, abs);
  if (rel.startsWith('..')) throw new Error(`--model must be a manifest under public/ (served to the page); got ${manifestPath}`);
  const url = `/${rel.split('\\').join('/')}`;
  const dir = rel.split('/').slice(0, -1).join('/');
  const twin = join(PUBLIC, `${dir}-onnx`, 'manifest.json');
  const isTfjs = existsSync(twin);
  return {
    name: dir.split('/').pop()!,
    server: { manifestPath: isTfjs ? twin : abs },
    browser: isTfjs
      ? [{ engine: 'tfjs', model: url }, { engine: 'ort', model: `/${dir}-onnx/manifest.json` }]
      : [{ engine: 'ort', model: url }],
  };
}

export function defaultGroups(): ModelGroup[] {
  const groups = [groupForManifest(join(PUBLIC, 'models', 'nsfw-mobilenet-v2', 'manifest.json'))];
  if (hasSharedData) {
    const manifest = imagenetManifest();
    groups.push({
      name: manifest.name,
      server: { manifestPath: join(SHARED_DATA, 'models', 'manifest.json'), manifest, modelPath: join(SHARED_DATA, 'models', ONNX_MODEL_FILE) },
      browser: [{ engine: 'ort', model: manifest, baseUrl: '/shared-data/models/' }],
    });
  }
  return groups;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      images: { type: 'string' },
      backends: { type: 'string', default: BACKENDS.join(',') },
      'gpu-images': { type: 'string', default: '3' },
      'server-url': { type: 'string' },
      'server-field': { type: 'string' },
      'server-response': { type: 'string' },
    },
  });
  if (values['server-url'] && !values.model) {
    console.error('parity: --server-url needs --model <manifest under public/> for the browser side');
    process.exit(2);
  }
  for (const flag of ['server-field', 'server-response'] as const) {
    if (values[flag] !== undefined && !values['server-url']) {
      console.error(`parity: --${flag} only applies with --server-url`);
      process.exit(2);
    }
  }
  const imagesDir = values.images ?? join(SHARED_DATA, 'photos');
  if (!existsSync(imagesDir)) {
    console.error(`parity: no images: ${imagesDir} does not exist (pass --images <dir>)`);
    process.exit(2);
  }
  const groups = values.model ? [groupForManifest(values.model)] : defaultGroups();
  if (values['server-url']) {
    groups[0]!.server = {
      url: values['server-url'],
      labels: manifestLabels(resolve(values.model!)),
      ...(values['server-field'] ? { field: values['server-field'] } : {}),
      ...(values['server-response'] ? { responsePath: values['server-response'] } : {}),
    };
  }
  const report = await runParity({
    groups,
    images: imageFiles(imagesDir).map((f) => join(imagesDir, f)),
    backends: values.backends!.split(',') as LocalBackendName[],
    gpuImages: Number(values['gpu-images']),
    config: loadParityConfig(),
    log: (line) => console.error(`parity: ${line}`),
  }).catch((error: unknown) => {
    // e.g. a server answer it cannot read: the message names what was received.
    console.error(`parity: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
  console.log(formatTable(report));
  if (values.out) writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
  console.log(report.ok ? 'parity: all runs within thresholds' : 'parity: FAILED: some runs missed their thresholds');
  process.exit(report.ok ? 0 : 1);
}
