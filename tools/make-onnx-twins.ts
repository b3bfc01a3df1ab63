/**
 * Install step (after scripts/prepare-assets.mjs): converts the prepared
 * tfjs-layers models to ONNX twins in public/models/<id>-onnx/ with their own
 * manifest (format "onnx", sha256, same preprocessing and labels), so both
 * formats can be selected in the library and the demo. Layers models go
 * through convert/convert.ts, the graph model (mobilenet_v2_mid) through
 * convert/graph.ts.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelManifest } from '../src/types.js';
import { convertFile } from './convert-cli.js';
import { sha256 } from './shared-data.js';

const MODELS_DIR = join(import.meta.dirname, '..', 'public', 'models');
const TWINS = ['nsfw-mobilenet-v2', 'nsfw-mobilenet-v2-mid', 'nsfw-inception-v3'];


export async function makeTwin(id: string): Promise<string> {
  const src = join(MODELS_DIR, id);
  const source = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as ModelManifest;
  if (source.format === 'onnx') throw new Error(`${id} is already ONNX`);
  const outId = `${id}-onnx`;
  const out = join(MODELS_DIR, outId);
  mkdirSync(out, { recursive: true });
  await convertFile(join(src, source.files.model), join(out, 'model.onnx'));
  const labelsFile = typeof source.labels === 'string' ? source.labels : null;
  if (labelsFile) copyFileSync(join(src, labelsFile), join(out, labelsFile));
  const files = ['model.onnx', ...(labelsFile ? [labelsFile] : [])];
  const bytes = Object.fromEntries(files.map((f) => [f, readFileSync(join(out, f))]));
  const manifest: ModelManifest = {
    ...source,
    name: outId,
    description: `ONNX twin of ${source.name}@${source.version}, converted by tools/convert (same weights, same preprocessing)`,
    format: 'onnx',
    files: { model: 'model.onnx' },
    sha256: Object.fromEntries(Object.entries(bytes).map(([f, b]) => [f, sha256(b)])),
    bytes: Object.fromEntries(Object.entries(bytes).map(([f, b]) => [f, b.length])),
    input: { ...source.input, name: 'input' },
    output: { ...source.output, name: 'probabilities' },
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return outId;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const id of TWINS) {
    if (!existsSync(join(MODELS_DIR, id, 'manifest.json'))) {
      console.log(`make-onnx-twins: ${id} not prepared; skipped`);
      continue;
    }
    const t0 = Date.now();
    const outId = await makeTwin(id);
    console.log(`make-onnx-twins: ${outId} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}
