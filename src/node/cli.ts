/**
 * `npx inpage-classifier copy-assets <dir> [--engines ort,tfjs] [--models id,...]`
 * copies the wasm binaries and default model(s) into a folder the app serves
 * as static files (for bundlers other than Vite, or no bundler at all).
 * `pack <source> --out <dir>` and `verify <dir>` bring your own model (src/node/pack.ts).
 * `classify <files or folders...> --model <dir>` runs a packed ONNX model over files in Node (src/node/classify-cli.ts).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type AssetEngine, listAssets } from './assets.js';
import { runClassifyCommand } from './classify-cli.js';
import { runPack, runVerify } from './pack.js';

const USAGE = `usage: inpage-classifier copy-assets <dir> [--engines ort,tfjs] [--models id,...]
       inpage-classifier pack <source> --out <dir> [flags]   (pack --help lists the flags)
       inpage-classifier verify <dir>   (a packed folder, or a Triton entry / repository)
       inpage-classifier classify <files or folders...> --model <dir> [--out results.jsonl] [--concurrency N] [--top K]

Copies what the library fetches at run time into <dir> (e.g. your app's public/ folder):
  <dir>/wasm/ort/    onnxruntime-web wasm binaries
  <dir>/wasm/tfjs/   @tensorflow/tfjs-backend-wasm wasm binaries
  <dir>/models/<id>/ the default model(s)
Serve <dir> at your site root, or pass its URL as createClassifier({ assetBase }).

pack: turns a Hugging Face / transformers.js folder, a Teachable Machine export, a tfjs model or a bare
.onnx into a model folder with manifest.json; verify: checks a packed folder, or a Triton model-repository
entry or whole repository (config.pbtxt against the ONNX graph). See docs/bring-your-own-model.md, docs/serving.md.

classify: classifies image files and folders with a packed ONNX model in Node (onnxruntime-node, sharp), one
JSON line per file, resumable with --out (classify --help lists the flags). See docs/node.md.`;

function list(value: string | undefined, flag: string): string[] {
  if (!value || value.startsWith('--')) throw new Error(`${flag} needs a comma-separated list`);
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Runs a command. copy-assets returns synchronously; pack, verify and classify return a promise. @returns the exit code */
export function main(argv: readonly string[]): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'pack') return runPack(rest);
  if (command === 'verify') return runVerify(rest);
  if (command === 'classify') return runClassifyCommand(rest);
  if (command !== 'copy-assets') {
    console.error(command && command !== '--help' && command !== '-h' ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let dir: string | undefined;
  let engines: AssetEngine[] | undefined;
  let models: string[] | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--engines') engines = list(rest[++i], arg) as AssetEngine[];
    else if (arg === '--models') models = list(rest[++i], arg);
    else if (!arg.startsWith('--') && dir === undefined) dir = arg;
    else throw new Error(`unexpected argument "${arg}"\n\n${USAGE}`);
  }
  if (!dir) throw new Error(`copy-assets needs a target folder\n\n${USAGE}`);
  const target = resolve(dir);
  const files = listAssets({ ...(engines ? { engines } : {}), ...(models ? { models } : {}) });
  for (const file of files) {
    const out = join(target, file.path);
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(file.source, out);
  }
  console.log(`inpage-classifier: copied ${files.length} files into ${target} (wasm/, models/)`);
  return 0;
}
