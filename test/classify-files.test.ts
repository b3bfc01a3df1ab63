/**
 * `classify` / classifyFiles in Node on the shared photos and the bad-input
 * corpus with the default packed ONNX model: one line per file, bad files
 * typed, the same scores as feeding classifyFiles' tensor to onnxruntime-node
 * directly, that tensor equal to the page pipeline's functions on sharp's
 * RGBA, concurrency 1 = 4, the CLI, and resume after a SIGKILL. The parts
 * without photos (resume file handling, walk order, progress lines) run everywhere.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyActivation } from '../src/postprocess/scores.js';
import { flattenAlpha, pixelsToModelTensor, resizeForModel } from '../src/preprocess/pipeline.js';
import { tensorShape } from '../src/preprocess/tensor.js';
import { main } from '../src/node/cli.js';
import { type ClassifySummary, classifyFiles, type FileClassified, type FileResult, isClassified } from '../src/node/index.js';
import { fileToTensor } from '../src/node/file-tensor.js';
import { readResume } from '../src/node/jsonl.js';
import { importPeer, readModel } from '../src/node/node-model.js';
import { decodeRgba } from '../src/node/pack.js';
import { formatProgress, formatSummary, ProgressLine } from '../src/node/progress.js';
import { listFiles } from '../src/node/walk.js';
import { SHARED_DATA, hasSharedData } from '../tools/shared-data.js';

const ROOT = resolve(import.meta.dirname, '..');
const MODEL = join(ROOT, 'public', 'models', 'nsfw-mobilenet-v2-onnx');
const hasModel = existsSync(join(MODEL, 'manifest.json'));
const PHOTOS = join(SHARED_DATA, 'photos');
const BAD = join(SHARED_DATA, 'bad');
const TMP = mkdtempSync(join(tmpdir(), 'inpage-classify-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const readLines = (file: string): FileResult[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FileResult);
const byFile = (lines: FileResult[]) => new Map(lines.map((l) => [resolve(l.file), l]));

describe('resume file, walk order, progress (no photos needed)', () => {
  it('readResume cuts an unfinished last line and lists the files done (and failed)', async () => {
    const out = join(TMP, 'partial.jsonl');
    writeFileSync(out, '{"file":"a.jpg","top":[]}\n{"file":"b.png","error":{"code":"DECODE_FAILED","message":"x"}}\n{"file":"c.jp');
    const state = await readResume(out);
    expect([...state.done]).toEqual([resolve('a.jpg'), resolve('b.png')]);
    expect([...state.failed]).toEqual([resolve('b.png')]);
    expect(state.truncatedBytes).toBe('{"file":"c.jp'.length);
    expect(readFileSync(out, 'utf8').endsWith('}\n')).toBe(true);
    expect((await readResume(join(TMP, 'none.jsonl'))).done.size).toBe(0);
    writeFileSync(out, 'not json\n');
    await expect(readResume(out)).rejects.toMatchObject({ code: 'UNSUPPORTED_INPUT' });
  });

  it('walks folders recursively in code-unit path order, each real file once, skipping dot-entries', async () => {
    const dir = join(TMP, 'walk');
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    mkdirSync(join(dir, '.hidden'));
    for (const f of ['b.jpg', 'A.png', 'sub/z.txt', 'sub/deeper/a.gif', '.DS_Store', '.hidden/x.jpg']) writeFileSync(join(dir, f), 'x');
    symlinkSync(join(dir, 'sub'), join(dir, 'loop')); // the same folder again: its files once
    const files = await listFiles([dir, join(dir, 'b.jpg')]);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['A.png', 'b.jpg', 'loop/deeper/a.gif', 'loop/z.txt']);
    await expect(listFiles([join(dir, 'missing')])).rejects.toMatchObject({ code: 'UNSUPPORTED_INPUT' });
  });

  it('a missing optional peer is ENGINE_UNAVAILABLE with the install command', async () => {
    await expect(importPeer('inpage-classifier-no-such-peer', 'classify')).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('npm install inpage-classifier-no-such-peer'),
    });
  });

  it('progress: one rewritten line on a terminal, periodic plain lines elsewhere; the summary names the codes', () => {
    let t = 0;
    const p = (done: number) => ({ done, total: 10, ok: done, failed: 0, skipped: 0, elapsedMs: done * 100, imagesPerSecond: 10, etaMs: (10 - done) * 100 });
    const tty: string[] = [];
    const line = new ProgressLine({ isTTY: true, write: (s: string) => tty.push(s) }, { now: () => t });
    for (let i = 1; i <= 10; i++, t += 60) line.update(p(i));
    line.finish('done');
    expect(tty.every((s, i) => i >= tty.length - 2 || s.startsWith('\r\x1b[2K'))).toBe(true);
    expect(tty.at(-3)).toContain('10/10 (100%)'); // the last state is always shown
    const plain: string[] = [];
    t = 0;
    const log = new ProgressLine({ isTTY: false, write: (s: string) => plain.push(s) }, { now: () => t, intervalMs: 250 });
    for (let i = 1; i <= 10; i++, t += 100) log.update(p(i));
    log.finish('done');
    expect(plain).toEqual([`${formatProgress(p(1))}\n`, `${formatProgress(p(4))}\n`, `${formatProgress(p(7))}\n`, `${formatProgress(p(10))}\n`, 'done\n']);
    expect(formatProgress(p(3))).toBe('classify: 3/10 (30%), 10.0 images/s, ETA 0:01');
    const summary: ClassifySummary = { model: 'm@1', found: 5, skipped: 1, skippedFailed: 0, ok: 2, failed: 2, failedByCode: { DECODE_FAILED: 1, UNSUPPORTED_INPUT: 1 }, aborted: false, seconds: 2, imagesPerSecond: 2, truncatedBytes: 0 };
    expect(formatSummary(summary, 'r.jsonl')).toContain('2 ok, 2 failed (DECODE_FAILED 1, UNSUPPORTED_INPUT 1), 1 skipped (already in r.jsonl)');
  });
});

const SKIP = !hasSharedData ? 'needs ../shared/data: absent here, skipped' : !hasModel ? 'needs public/models/nsfw-mobilenet-v2-onnx (npm ci: prepare-assets + make-onnx-twins): absent here, skipped' : 'shared data';

describe.skipIf(!hasSharedData || !hasModel)(`classifyFiles on the shared photos and bad corpus (${SKIP})`, () => {
  const out = join(TMP, 'all.jsonl');
  let summary: ClassifySummary;
  let lines: FileResult[];
  let found: string[];

  beforeAll(async () => {
    found = await listFiles([PHOTOS, BAD]);
    summary = await classifyFiles([PHOTOS, BAD], { model: MODEL, concurrency: 4, out });
    lines = readLines(out);
  }, 60_000);

  it('writes one line per file found, in path order, and counts them', () => {
    expect(lines.map((l) => l.file)).toEqual(found);
    expect(summary.found).toBe(found.length);
    expect(summary.ok + summary.failed).toBe(found.length);
    expect(summary.ok).toBeGreaterThan(60);
    expect(summary.aborted).toBe(false);
    for (const l of lines.filter(isClassified)) {
      expect(l.top).toHaveLength(5);
      expect(Object.keys(l.timings).sort()).toEqual(['decodeMs', 'inferenceMs', 'preprocessMs']);
    }
  });

  it('types every bad file by content, never by name', () => {
    const got = byFile(lines);
    const code = (f: string) => {
      const l = got.get(join(BAD, f));
      return l && !isClassified(l) ? l.error.code : 'classified';
    };
    const expected: Record<string, string> = {
      'zero_bytes.jpg': 'UNSUPPORTED_INPUT', 'text_file_renamed.jpg': 'UNSUPPORTED_INPUT', 'html_page_renamed.png': 'UNSUPPORTED_INPUT', 'vector_cat_drawing.svg': 'UNSUPPORTED_INPUT',
      'tiff_not_browser_decodable.tiff': 'UNSUPPORTED_INPUT', 'README.md': 'UNSUPPORTED_INPUT', 'models/zero_bytes.onnx': 'UNSUPPORTED_INPUT',
      'bomb_20000x20000_header_only.png': 'INPUT_TOO_LARGE', 'bomb_20000x20000_valid_1bit.png': 'INPUT_TOO_LARGE', 'bomb_65500x65500_header.jpg': 'INPUT_TOO_LARGE',
      'truncated_header_only.jpg': 'DECODE_FAILED', 'bitmap.bmp': 'DECODE_FAILED', // sharp's libvips has no BMP reader (docs/node.md)
      'png_named_as.jpg': 'classified', 'progressive.jpg': 'classified', 'cmyk.jpg': 'classified', 'rgb_16bit.png': 'classified', 'animated_3_frames_cat_dog_eagle.gif': 'classified',
      'truncated_40pct.jpg': 'classified', 'tiny_1x1.png': 'classified',
    };
    expect(Object.fromEntries(Object.keys(expected).map((f) => [f, code(f)]))).toEqual(expected);
    const truncated = got.get(join(BAD, 'truncated_40pct.jpg')) as FileClassified;
    expect(truncated.warnings?.[0]).toMatch(/truncated/);
    expect((got.get(join(BAD, 'tiny_1x1.png')) as FileClassified).warnings?.[0]).toMatch(/only 1x1 px/);
    expect(got.get(join(PHOTOS, 'expected.tsv'))).toMatchObject({ error: { code: 'UNSUPPORTED_INPUT' } });
    // EXIF orientation applied as browsers do: the rotated copies score like the upright reference.
    const ref = got.get(join(BAD, 'exif_orientation_1_reference.jpg')) as FileClassified;
    for (const f of ['exif_orientation_3.jpg', 'exif_orientation_6.jpg', 'exif_orientation_8.jpg']) {
      const l = got.get(join(BAD, f)) as FileClassified;
      expect(l.top[0]!.index).toBe(ref.top[0]!.index);
      expect(Math.abs(l.top[0]!.score - ref.top[0]!.score)).toBeLessThan(0.01);
    }
  });

  const SAMPLE = [join(PHOTOS, 'cat_chelsea.png'), join(PHOTOS, 'dog_samoyed.jpg'), join(PHOTOS, 'kimono_woman_street.jpg'), join(BAD, 'rgba_transparent_regions.png'), join(BAD, 'exif_orientation_6.jpg'), join(BAD, 'grayscale.jpg')];

  it("its tensor is the page pipeline's functions on sharp's RGBA, and feeding it to onnxruntime-node gives its scores (|Δp| ≤ 1e-5)", async () => {
    const { manifest } = readModel(MODEL);
    const session = await ort.InferenceSession.create(join(MODEL, manifest.files.model));
    try {
      const got = byFile(lines);
      for (const file of SAMPLE) {
        const { tensor } = await fileToTensor(file, manifest);
        const rgba = await decodeRgba(file, manifest);
        const white = [255, 255, 255] as const;
        const page = pixelsToModelTensor(resizeForModel(flattenAlpha(rgba.data, manifest.input, white), rgba.width, rgba.height, manifest.input, white), manifest.input);
        const same = (a: Float32Array, b: Float32Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        expect(same(tensor, page), `${file}: the tensor differs from the page pipeline's`).toBe(true);
        const output = await session.run({ [manifest.input.name!]: new ort.Tensor('float32', tensor, tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels)) });
        const scores = applyActivation(output[manifest.output.name!]!.data as Float32Array, manifest.output.activation);
        const line = got.get(file) as FileClassified;
        expect(line.top[0]!.index, file).toBe(scores.indexOf(Math.max(...scores)));
        for (const c of line.top) expect(Math.abs(c.score - scores[c.index]!), `${file} ${c.label}`).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      await session.release();
    }
  }, 30_000);

  it('concurrency 1 gives the same results as concurrency 4', async () => {
    const files = [...SAMPLE, join(BAD, 'zero_bytes.jpg'), join(BAD, 'bitmap.bmp'), join(PHOTOS, 'horse_cart_street.jpg'), join(PHOTOS, 'drawings')];
    const one: FileResult[] = [];
    const s = await classifyFiles(files, { model: MODEL, concurrency: 1, onResult: (r) => one.push(r) });
    expect(s.ok + s.failed).toBe(one.length);
    const four = byFile(lines);
    const strip = (r: FileResult | undefined) => (r && isClassified(r) ? { file: resolve(r.file), top: r.top } : r && { ...r, file: resolve(r.file) });
    expect(one.map(strip)).toEqual(one.map((r) => strip(four.get(resolve(r.file)))));
  }, 30_000);

  it('the CLI: main(["classify", ...]) writes the lines, prints a summary, exits 1 with failures and 2 on usage errors', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const cliOut = join(TMP, 'cli.jsonl');
      const code = await main(['classify', join(BAD, 'zero_bytes.jpg'), join(PHOTOS, 'cat_chelsea.png'), '--model', join(MODEL, 'manifest.json'), '--out', cliOut, '--top', '2', '--concurrency', '2']);
      expect(code).toBe(1);
      const cli = readLines(cliOut);
      expect(cli.map((l) => 'top' in l ? l.top.length : l.error.code)).toEqual(['UNSUPPORTED_INPUT', 2]); // path order
      const stderr = err.mock.calls.map((c) => String(c[0])).join('');
      expect(stderr).toMatch(/2 files with nsfw-mobilenet-v2-onnx@4\.4\.0: 1 ok, 1 failed \(UNSUPPORTED_INPUT 1\)/);
      expect(await main(['classify', join(PHOTOS, 'cat_chelsea.png'), '--model', MODEL, '--out', join(TMP, 'ok.jsonl'), '--quiet'])).toBe(0);
      expect(await main(['classify', join(PHOTOS, 'cat_chelsea.png')])).toBe(2); // no --model
      expect(await main(['classify', join(PHOTOS, 'cat_chelsea.png'), '--model', MODEL, '--concurrency', 'many'])).toBe(2);
      expect(await main(['classify', join(PHOTOS, 'cat_chelsea.png'), '--model', join(ROOT, 'public', 'models', 'nsfw-mobilenet-v2')])).toBe(2); // tfjs
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(/tfjs-layers model; .*ONNX twin is at .*nsfw-mobilenet-v2-onnx/);
    } finally {
      err.mockRestore();
    }
  }, 30_000);

  it('signal stops the run after the files in flight; the summary says aborted and a rerun finishes the rest', async () => {
    const files = SAMPLE.slice(0, 5);
    const stopped = join(TMP, 'aborted.jsonl');
    const controller = new AbortController();
    let n = 0;
    const s = await classifyFiles(files, { model: MODEL, out: stopped, concurrency: 1, signal: controller.signal, onResult: () => ++n === 2 && controller.abort() });
    expect(s).toMatchObject({ aborted: true, ok: 2 });
    const rest = await classifyFiles(files, { model: MODEL, out: stopped });
    expect(rest).toMatchObject({ aborted: false, skipped: 2, ok: 3 });
    expect(readLines(stopped).map((l) => l.file)).toEqual([...files].sort());
  }, 30_000);

  it('resumes after a SIGKILL mid-run: every file exactly once, no partial line', async () => {
    const resumed = join(TMP, 'resume.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/bin.ts', 'classify', PHOTOS, BAD, '--model', MODEL, '--out', resumed, '--concurrency', '1', '--quiet'], { cwd: ROOT, stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.on('exit', () => done()));
    const lineCount = () => (existsSync(resumed) ? readFileSync(resumed, 'utf8').split('\n').length - 1 : 0);
    for (let t = 0; lineCount() < 5 && t < 40_000; t += 10) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const before = lineCount();
    expect(before).toBeGreaterThanOrEqual(5);
    expect(before).toBeLessThan(found.length); // killed mid-run
    appendFileSync(resumed, '{"file":"/half/a/line'); // what a kill inside a write would leave
    const s = await classifyFiles([PHOTOS, BAD], { model: MODEL, out: resumed, concurrency: 2 });
    expect(s.skipped).toBe(before);
    expect(s.truncatedBytes).toBe('{"file":"/half/a/line'.length);
    const text = readFileSync(resumed, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const all = readLines(resumed);
    expect(all.map((l) => l.file).sort()).toEqual([...found].sort());
    expect(new Set(all.map((l) => l.file)).size).toBe(all.length);
  }, 60_000);
});

describe.skipIf(!hasSharedData || !hasModel)(`classifyFiles against an inference server (--remote; ${SKIP})`, () => {
  it('V2 and TF Serving (serve-model): the same preprocessing here, the tensor posted, the same answers as onnxruntime-node locally; the CLI flag', async () => {
    const { startServer } = await import('../tools/serve-model.js');
    const { server } = await startServer(join(MODEL, 'manifest.json'), 0);
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const files = (await listFiles([PHOTOS])).slice(0, 5);
      const local: FileResult[] = [];
      await classifyFiles(files, { model: MODEL, concurrency: 2, onResult: (r) => local.push(r) });
      for (const protocol of ['v2', 'tfserving'] as const) {
        const remote: FileResult[] = [];
        const s = await classifyFiles(files, { model: MODEL, concurrency: 3, remote: { url, protocol }, onResult: (r) => remote.push(r) });
        expect(s.ok, protocol).toBe(files.length);
        remote.forEach((r, i) => {
          const l = local[i]!;
          expect(isClassified(r) && isClassified(l)).toBe(true);
          if (!isClassified(r) || !isClassified(l)) return;
          expect(r.top.map((c) => c.index), `${protocol} ${r.file}`).toEqual(l.top.map((c) => c.index));
          r.top.forEach((c, k) => expect(Math.abs(c.score - l.top[k]!.score)).toBeLessThanOrEqual(1e-5));
        });
      }
      const out = join(TMP, 'remote.jsonl');
      const code = await main(['classify', files[0]!, '--model', MODEL, '--remote', url, '--protocol', 'v2', '--out', out, '--quiet']);
      expect(code).toBe(0);
      expect(readLines(out)).toHaveLength(1);
      // An unknown model name on the server: the run cannot start (REMOTE_FAILED), nothing is written.
      await expect(classifyFiles(files, { model: MODEL, remote: { url, model: 'nope' } })).rejects.toThrow(/HTTP 404/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);
});
