/**
 * Install step (after scripts/prepare-assets.mjs): converts the prepared
 * tfjs-layers models to ONNX twins in public/models/<id>-onnx/ with their own
 * manifest (format "onnx", sha256, same preprocessing and labels), so both
 * formats can be selected in the library and the demo. Layers models go
 * through convert/convert.ts, the graph model (mobilenet_v2_mid) through
 * convert/graph.ts. Then the default twin's uint8-weights variant
 * (<id>-onnx-uint8/, convert/uint8-weights.ts): the same graph and the same
 * fp32 weights bit for bit, stored as the tfjs model's uint8 codes (~4× smaller).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashFiles } from '../src/node/pack.js';
import type { ModelManifest } from '../src/types.js';
import { convertFile } from './convert-cli.js';
import { quantizeWeightsUint8, tfjsQuantization, type Uint8Report } from './convert/uint8-weights.js';

const MODELS_DIR = join(import.meta.dirname, '..', 'public', 'models');
const TWINS = ['nsfw-mobilenet-v2', 'nsfw-mobilenet-v2-mid', 'nsfw-inception-v3'];
/** Twins that also get a uint8-weights variant (`<id>-onnx-uint8`). */
const UINT8_VARIANTS = ['nsfw-mobilenet-v2'];


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
  const manifest: ModelManifest = {
    ...source,
    name: outId,
    description: `ONNX twin of ${source.name}@${source.version}, converted by tools/convert (same weights, same preprocessing)`,
    format: 'onnx',
    files: { model: 'model.onnx' },
    ...hashFiles(out, files),
    input: { ...source.input, name: 'input' },
    output: { ...source.output, name: 'probabilities' },
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return outId;
}

/**
 * `<id>-onnx-uint8/` from `<id>-onnx/` and the tfjs original's quantization: model.onnx with uint8 weight
 * storage, the same labels, input and output; manifest with its own sha256 and bytes. Throws if any
 * rewritten weight is not bit-identical to the twin's (the variant promises the same results).
 */
export function makeUint8Variant(id: string): { outId: string; report: Uint8Report } {
  const twinId = `${id}-onnx`;
  const twinDir = join(MODELS_DIR, twinId);
  const twin = JSON.parse(readFileSync(join(twinDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const source = JSON.parse(readFileSync(join(MODELS_DIR, id, 'manifest.json'), 'utf8')) as ModelManifest;
  const fp32 = readFileSync(join(twinDir, twin.files.model));
  const { known, inexact } = tfjsQuantization(join(MODELS_DIR, id, source.files.model), fp32);
  const { bytes, report } = quantizeWeightsUint8(fp32, { known });
  const approximate = report.tensors.filter((t) => t.mismatches > 0).map((t) => `${t.name} (${t.mode})`);
  if (inexact.length || approximate.length) throw new Error(`${id}: uint8 variant would not be bit-identical to ${twinId}: ${[...inexact, ...approximate].join(', ')}`);
  const outId = `${twinId}-uint8`;
  const out = join(MODELS_DIR, outId);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'model.onnx'), bytes);
  const labelsFile = typeof twin.labels === 'string' ? twin.labels : null;
  if (labelsFile) copyFileSync(join(twinDir, labelsFile), join(out, labelsFile));
  const files = ['model.onnx', ...(labelsFile ? [labelsFile] : [])];
  const manifest: ModelManifest = {
    ...twin,
    name: outId,
    description: `${twinId} with its weights stored as ${source.name}@${source.version}'s uint8 codes, dequantized when the session is created (same fp32 weights bit for bit, same preprocessing)`,
    files: { model: 'model.onnx' },
    ...hashFiles(out, files),
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { outId, report };
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
    if (UINT8_VARIANTS.includes(id)) {
      const { outId: u8, report } = makeUint8Variant(id);
      console.log(`make-onnx-twins: ${u8} (${report.tensors.length} weights as uint8, ${report.bytesOut} of ${report.bytesIn} bytes, bit-identical)`);
    }
  }
}
