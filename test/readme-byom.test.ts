/**
 * README "Bring your own model": every command in its block runs, as written,
 * on real models standing in for the reader's files (the shared ImageNet ONNX
 * as `my-model.onnx` and inside a Hugging Face-style folder, the shipped nsfwjs
 * tfjs model as a Teachable Machine export, @vladmandic/human's emotion graph
 * as `my-tfjs-model/model.json`), in a temp folder. Each packed folder then
 * passes `verify`.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/node/cli.js';
import { verifyPacked } from '../src/node/pack.js';
import { hasSharedData, ONNX_MODEL_FILE, SHARED_DATA } from '../tools/shared-data.js';

const ROOT = join(import.meta.dirname, '..');
const EMOTION_DIR = join(ROOT, 'node_modules', '@vladmandic', 'human', 'models');
const NSFW = join(ROOT, 'public', 'models', 'nsfw-mobilenet-v2');
const ready = hasSharedData && existsSync(join(EMOTION_DIR, 'emotion.json')) && existsSync(join(NSFW, 'model.json'));
const why = !hasSharedData ? 'needs ../shared/data' : !ready ? 'needs npm ci (devDependencies, public/models)' : 'real models';

function readmeCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- byom:start -->\s*```sh\n([\s\S]*?)```\s*<!-- byom:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no <!-- byom:start --> sh block');
  return block[1]!.split('\n').filter((l) => l.startsWith('npx inpage-classifier ')).map((l) => l.split(/\s+/).slice(2));
}

/** The reader's files, made from real models. */
function writeFixtures(dir: string): void {
  const onnx = join(SHARED_DATA, 'models', ONNX_MODEL_FILE);
  const labels = readFileSync(join(SHARED_DATA, 'labels', 'imagenet_classes.txt'), 'utf8').trim().split('\n');
  copyFileSync(onnx, join(dir, 'my-model.onnx'));
  writeFileSync(join(dir, 'labels.txt'), `${labels.join('\n')}\n`);
  mkdirSync(join(dir, 'my-hf-model', 'onnx'), { recursive: true });
  copyFileSync(onnx, join(dir, 'my-hf-model', 'onnx', 'model.onnx'));
  writeFileSync(join(dir, 'my-hf-model', 'config.json'), JSON.stringify({ architectures: ['MobileNetV2ForImageClassification'], id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])) }));
  writeFileSync(join(dir, 'my-hf-model', 'preprocessor_config.json'), JSON.stringify({
    do_resize: true, size: { shortest_edge: 256 }, resample: 2, do_center_crop: true, crop_size: { height: 224, width: 224 },
    do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
  }));
  cpSync(NSFW, join(dir, 'my-tm-model'), { recursive: true, filter: (src) => !src.endsWith('manifest.json') && !src.endsWith('labels.txt') });
  const nsfwLabels = readFileSync(join(NSFW, 'labels.txt'), 'utf8').trim().split('\n');
  writeFileSync(join(dir, 'my-tm-model', 'metadata.json'), JSON.stringify({ tfjsVersion: '1.3.1', tmVersion: '2.4.5', packageName: '@teachablemachine/image', modelName: 'tm-my-image-model', labels: nsfwLabels, imageSize: 224 }));
  mkdirSync(join(dir, 'my-tfjs-model'));
  copyFileSync(join(EMOTION_DIR, 'emotion.json'), join(dir, 'my-tfjs-model', 'model.json'));
  copyFileSync(join(EMOTION_DIR, 'emotion.bin'), join(dir, 'my-tfjs-model', 'emotion.bin'));
  writeFileSync(join(dir, 'classes.txt'), 'angry\ndisgust\nfear\nhappy\nsad\nsurprise\nneutral\n');
}

describe.skipIf(!ready)(`README "Bring your own model" commands (${why})`, () => {
  const dir = ready ? mkdtempSync(join(tmpdir(), 'inpage-byom-')) : '';
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));
  if (ready) writeFixtures(dir);
  // Paths in the commands are relative to the reader's project: here, the temp folder.
  const inDir = (argv: string[]) => argv.map((a, i) => (!a.startsWith('--') && (i === 1 || ['--out', '--labels'].includes(argv[i - 1]!)) && !isAbsolute(a) ? join(dir, a) : a));
  const commands = ready ? readmeCommands() : [];

  it('has one command per source, then verify', () => {
    expect(commands.map((c) => c[0])).toEqual(['pack', 'pack', 'pack', 'pack', 'verify']);
  });

  it.each(commands.map((c) => [c.join(' '), c] as const))('%s', async (_, argv) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const code = await main(inDir([...argv]));
      expect(code, err.mock.calls.flat().join('\n')).toBe(0);
      if (argv[0] === 'pack') {
        const out = inDir([...argv])[inDir([...argv]).indexOf('--out') + 1]!;
        expect(log.mock.calls.flat().join('\n')).toMatch(/field\s+\| value/); // the inferred table
        const verified = await verifyPacked(out);
        expect(verified.problems).toEqual([]);
        // Each source mapped as its own kind would preprocess.
        const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
        const expected: Record<string, object> = {
          'my-model': { format: 'onnx', input: { size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 256 } } },
          'my-hf-model': { format: 'onnx', input: { name: 'input', resize: { mode: 'crop', shorterSide: 256, cropOffset: 'floor' } } },
          'my-tm-model': { format: 'tfjs-layers', input: { layout: 'NHWC', resize: { mode: 'crop', shorterSide: 224 }, scale: 1 / 127, mean: [1, 1, 1] } },
          'my-tfjs-model': { format: 'tfjs-graph', input: { size: [64, 64], channels: 'L', mean: [0.5], std: [0.5] } },
        };
        expect(m).toMatchObject(expected[out.split('/').pop()!]!);
      }
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }, 120_000);
});
