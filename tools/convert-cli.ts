/**
 * npm run convert -- <model.json> <out.onnx>
 * Converts a tfjs-layers model (model.json + its weight shards beside it) to ONNX.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { convertLayersModel, type LayersModelJson } from './convert/convert.js';

export async function convertFile(modelJsonPath: string, outPath: string): Promise<number> {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as LayersModelJson;
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(modelJsonPath), p)));
  const weights = new Uint8Array(Buffer.concat(shards)).buffer;
  const onnx = await convertLayersModel(json, weights);
  writeFileSync(outPath, onnx);
  return onnx.byteLength;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: npm run convert -- <model.json> <out.onnx>');
    process.exit(2);
  }
  convertFile(input, output).then(
    (bytes) => console.log(`convert: wrote ${output} (${(bytes / 1e6).toFixed(1)} MB)`),
    (error: unknown) => {
      console.error(`convert: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
