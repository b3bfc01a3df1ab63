#!/usr/bin/env node
// Builds the assets the library serves from the app itself (never a CDN):
//   public/models/<id>/  tfjs models extracted from the `nsfwjs` npm package
//                        (weight shards as real binary files, manifest.json with
//                        sha256 of every file, labels.txt)
//   public/wasm/ort/     onnxruntime-web's wasm binaries
//   public/wasm/tfjs/    @tensorflow/tfjs-backend-wasm's wasm binaries
// Runs as the root package's `prepare` script, so `npm ci` on a fresh clone
// produces everything with nothing fetched but npm packages. Idempotent.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const NSFW_LABELS = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

/** The models nsfwjs bundles, smallest (the default) first. */
const MODELS = [
  { id: 'nsfw-mobilenet-v2', dir: 'mobilenet_v2', title: 'NSFW MobileNetV2 224 (nsfwjs default)' },
  { id: 'nsfw-mobilenet-v2-mid', dir: 'mobilenet_v2_mid', title: 'NSFW MobileNetV2 mid 224 (graph model)' },
  { id: 'nsfw-inception-v3', dir: 'inception_v3', title: 'NSFW InceptionV3 299' },
];

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Installed folder of a package (some, like nsfwjs, do not export package.json). */
function packageDir(name) {
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`package ${name} is not installed`);
}

/** nsfwjs ships each model as UMD scripts: model.min.js exports the model.json object, shards export base64 strings. */
function loadBundledModel(nsfwDir, dir) {
  const base = join(nsfwDir, 'dist', 'models', dir);
  const modelJson = require(join(base, 'model.min.js'));
  const shards = new Map();
  for (const group of modelJson.weightsManifest) {
    for (const path of group.paths) {
      const b64 = require(join(base, `${path}.min.js`));
      if (typeof b64 !== 'string') throw new Error(`nsfwjs ${dir}/${path}.min.js did not export a base64 string`);
      shards.set(path, Buffer.from(b64, 'base64'));
    }
  }
  return { modelJson, shards };
}

/** [height, width] of the model input, read from the topology (layers or graph). */
function inputSize(modelJson) {
  if (modelJson.format === 'graph-model') {
    const placeholder = modelJson.modelTopology.node.find((n) => n.op === 'Placeholder');
    const dims = placeholder.attr.shape.shape.dim.map((d) => Number(d.size));
    return [dims[1], dims[2]];
  }
  const layers = modelJson.modelTopology.model_config.config.layers;
  const shape = layers[0].config.batch_input_shape;
  return [shape[1], shape[2]];
}

function prepareModel(nsfwDir, nsfwVersion, spec, outRoot) {
  const { modelJson, shards } = loadBundledModel(nsfwDir, spec.dir);
  const out = join(outRoot, spec.id);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const files = {};
  // Give shards a .bin extension so static hosts serve them as binary.
  const rewritten = structuredClone(modelJson);
  for (const group of rewritten.weightsManifest) group.paths = group.paths.map((p) => `${p}.bin`);
  for (const [path, bytes] of shards) files[`${path}.bin`] = bytes;
  files['model.json'] = Buffer.from(JSON.stringify(rewritten));
  files['labels.txt'] = Buffer.from(NSFW_LABELS.join('\n') + '\n');

  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, name), bytes);

  const manifest = {
    name: spec.id,
    version: nsfwVersion,
    description: `${spec.title}; weights from the nsfwjs@${nsfwVersion} npm package (MIT)`,
    format: modelJson.format === 'graph-model' ? 'tfjs-graph' : 'tfjs-layers',
    files: { model: 'model.json', weights: [...shards.keys()].map((p) => `${p}.bin`) },
    sha256: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, sha256(b)])),
    bytes: Object.fromEntries(Object.entries(files).map(([n, b]) => [n, b.length])),
    input: {
      size: inputSize(modelJson),
      layout: 'NHWC',
      // nsfwjs: tf.image.resizeBilinear straight to the square input, pixels / 255.
      resize: { mode: 'stretch' },
      scale: 1 / 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      channels: 'RGB',
    },
    // The graphs end in a Softmax layer already.
    output: { activation: 'none' },
    labels: 'labels.txt',
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const total = Object.values(files).reduce((s, b) => s + b.length, 0);
  console.log(`prepare-assets: ${spec.id} (${manifest.format}, ${(total / 1e6).toFixed(1)} MB)`);
}

function copyMatching(fromDir, toDir, test) {
  mkdirSync(toDir, { recursive: true });
  const copied = [];
  for (const name of readdirSync(fromDir)) {
    if (!test(name)) continue;
    copyFileSync(join(fromDir, name), join(toDir, name));
    copied.push(name);
  }
  return copied;
}

function main() {
  const publicDir = join(root, 'public');
  let nsfwDir;
  try {
    nsfwDir = packageDir('nsfwjs');
  } catch {
    // A consumer installing the published package gets the prepared files in the tarball.
    console.log('prepare-assets: nsfwjs not installed (not a dev checkout); nothing to do');
    return;
  }
  const nsfwVersion = JSON.parse(readFileSync(join(nsfwDir, 'package.json'), 'utf8')).version;
  const modelsDir = join(publicDir, 'models');
  for (const spec of MODELS) prepareModel(nsfwDir, nsfwVersion, spec, modelsDir);

  const ortDist = join(packageDir('onnxruntime-web'), 'dist');
  const ort = copyMatching(ortDist, join(publicDir, 'wasm', 'ort'), (n) => /^ort-wasm.*\.(wasm|mjs)$/.test(n));
  const tfjsDist = join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist');
  const tfw = copyMatching(tfjsDist, join(publicDir, 'wasm', 'tfjs'), (n) => n.endsWith('.wasm'));
  console.log(`prepare-assets: wasm binaries: ${ort.length} onnxruntime-web, ${tfw.length} tfjs`);
  if (!existsSync(join(modelsDir, MODELS[0].id, 'manifest.json'))) throw new Error('default model was not written');
}

main();
