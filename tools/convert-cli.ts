/**
 * npm run convert -- <model.json> <out.onnx>
 * Converts a tfjs model (layers or graph: model.json + its weight shards beside it) to ONNX.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { convertLayersModel, type LayersModelJson } from './convert/convert.js';
import { convertGraphModel, type GraphModelJson } from './convert/graph.js';

export async function convertFile(modelJsonPath: string, outPath: string): Promise<number> {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as (LayersModelJson | GraphModelJson) & { format?: string };
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(modelJsonPath), p)));
  const weights = new Uint8Array(Buffer.concat(shards)).buffer;
  // tfjs-converter writes format "graph-model" for TF graphs; Keras exports are "layers-model" or unset.
  const onnx = json.format === 'graph-model' ? await convertGraphModel(json as GraphModelJson, weights) : await convertLayersModel(json as LayersModelJson, weights);
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
