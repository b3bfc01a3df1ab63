/**
 * Debian's python3-pil: the real Pillow that torchvision servers run, as the
 * reference for the library's preprocessing (test/resample.test.ts on
 * synthetic images, e2e/pillow-parity.test.ts on the shared photos). Tests
 * skip with NO_PILLOW where it is absent (scripts/ensure-browser.mjs
 * installs it when it can).
 */
import type { ResampleFilter } from '../src/types.js';
import { spawnSync } from 'node:child_process';

/** Debian's interpreter, whose dist-packages hold python3-pil (not a pyenv or venv python). */
export const PYTHON = '/usr/bin/python3';
export const hasPillow = spawnSync(PYTHON, ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;
export const NO_PILLOW = 'needs Debian python3-pil (apt-get install python3-pil); absent here, skipped';

/** Runs a Python script with Pillow: stdin in, stdout out. */
export function runPillow(script: string, input: Uint8Array = new Uint8Array()): Buffer {
  const run = spawnSync(PYTHON, ['-c', script], { input, maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`Pillow failed: ${run.stderr.toString()}`);
  return run.stdout;
}

/** Where the resized image sits on the model-sized output (as src/preprocess/resample.ts plans it). */
export interface PillowTarget {
  resizedW: number;
  resizedH: number;
  outW: number;
  outH: number;
  offsetX: number;
  offsetY: number;
}

/**
 * What a torchvision-style server makes of an RGB image: Image.resize((resizedW,
 * resizedH), BILINEAR or the filter given) — torchvision's Resize — then the output window at the
 * offset (CenterCrop, or pasted on `background` for letterbox bars). RGB bytes.
 */
export function pillowResize(rgb: Uint8Array, w: number, h: number, t: PillowTarget, background: readonly [number, number, number], filter: ResampleFilter = 'bilinear'): Uint8Array {
  return new Uint8Array(runPillow([
    'import sys; from PIL import Image',
    `w, h, rw, rh, ow, oh, ox, oy = ${[w, h, t.resizedW, t.resizedH, t.outW, t.outH, t.offsetX, t.offsetY].join(', ')}`,
    `im = Image.frombytes('RGB', (w, h), sys.stdin.buffer.read()).resize((rw, rh), Image.${filter.toUpperCase()})`,
    `out = Image.new('RGB', (ow, oh), (${background.join(', ')}))`,
    'out.paste(im, (ox, oy))',
    'sys.stdout.buffer.write(out.tobytes())',
  ].join('\n'), rgb));
}

/**
 * A torchvision server's preprocessing of image files, up to the pixels:
 * Image.open, transparency flattened on white (as this library's default
 * `preprocessing.background` does), .convert('RGB'), then either
 * resize((w, h), BILINEAR) ('stretch') or Resize(shorterSide) + CenterCrop(size)
 * ('crop'). `size` is [height, width]. One RGB buffer per file.
 */
export function pillowPreprocess(files: readonly string[], mode: 'stretch' | 'crop', size: readonly [number, number], shorterSide?: number): Buffer[] {
  const [outH, outW] = size;
  const out = runPillow([
    'import sys, json; from PIL import Image',
    `files = json.loads(${JSON.stringify(JSON.stringify(files))})`,
    `mode, ow, oh, side = ${JSON.stringify(mode)}, ${outW}, ${outH}, ${shorterSide ?? Math.min(outW, outH)}`,
    'for f in files:',
    '    im = Image.open(f)',
    "    if im.mode in ('RGBA', 'LA') or (im.mode == 'P' and 'transparency' in im.info):",
    "        im = Image.alpha_composite(Image.new('RGBA', im.size, (255, 255, 255, 255)), im.convert('RGBA'))",
    "    im = im.convert('RGB')",
    "    if mode == 'stretch':",
    '        im = im.resize((ow, oh), Image.BILINEAR)',
    '    else:',
    '        w, h = im.size',
    '        rw, rh = (side, int(side * h / w)) if w <= h else (int(side * w / h), side)',
    '        im = im.resize((rw, rh), Image.BILINEAR)',
    '        left, top = int(round((rw - ow) / 2.0)), int(round((rh - oh) / 2.0))',
    '        im = im.crop((left, top, left + ow, top + oh))',
    '    sys.stdout.buffer.write(im.tobytes())',
  ].join('\n'));
  const each = outW * outH * 3;
  return files.map((_, i) => out.subarray(i * each, (i + 1) * each));
}

/**
 * For each file: whether its embedded ICC profile changes colours when
 * converted to sRGB (Adobe RGB, Display P3…), as Pillow's ImageCms (LittleCMS)
 * sees it on a probe of saturated and mid colours; false without a profile
 * and for sRGB-equivalent ones (sRGB IEC61966-2.1, Facebook's compact "c2").
 */
export function changesColoursToSrgb(files: readonly string[]): boolean[] {
  const out = runPillow([
    'import io, json; from PIL import Image, ImageCms',
    `files = json.loads(${JSON.stringify(JSON.stringify(files))})`,
    "probe = Image.frombytes('RGB', (6, 1), bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 120, 40, 128, 128, 128, 30, 60, 200]))",
    "srgb = ImageCms.createProfile('sRGB')",
    'out = []',
    'for f in files:',
    "    icc = Image.open(f).info.get('icc_profile')",
    '    if not icc:',
    '        out.append(False); continue',
    '    t = ImageCms.buildTransform(ImageCms.ImageCmsProfile(io.BytesIO(icc)), srgb, "RGB", "RGB")',
    '    moved = max(abs(a - b) for a, b in zip(ImageCms.applyTransform(probe, t).tobytes(), probe.tobytes()))',
    '    out.append(moved > 2)',
    'print(json.dumps(out))',
  ].join('\n'));
  return JSON.parse(out.toString()) as boolean[];
}
