/**
 * Issue 17: the package in the bundlers people use besides Vite. From the
 * packed tarball, fresh apps made by tools/consumer/bundler-apps.ts with the
 * README's config blocks verbatim: webpack 5 (production build and dev
 * server) and Next.js App Router (Turbopack build and `--webpack` build), each
 * with the main entry, `/onnx` and both workers in one build. Chromium
 * classifies photos like the server model with every non-localhost request
 * blocked; the emitted files hold no ORT wasm besides the copy the app serves
 * and no tfjs in an `/onnx`-only build; the install and the webpack build
 * print nothing about the library's own code. Each app is built once per
 * bundler and reused for every check.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchLocalBrowser } from '../../tools/browser/launch.js';
import { type App, copyPublic, createNextApp, createWebpackApp } from '../../tools/consumer/bundler-apps.js';
import { packLibrary } from '../../tools/consumer/fixture.js';
import { serveStatic } from '../../tools/consumer/static-server.js';
import { hasSharedData, SKIP_NO_DATA } from '../helpers/data.js';
import { clearlyLabelledImages } from '../helpers/server-labels.js';

const SETUP_TIMEOUT = 900_000;
const PAGE_TIMEOUT = 240_000;

interface PageRun { backend: string; engine: string; worker: boolean; threads: number; wasm: string; top1: Record<string, string> }
const where = (r: PageRun) => `${r.engine}/${r.backend}${r.worker ? ' in a worker' : ''}`;
const MAIN_RUNS = ['tfjs/wasm', 'ort/wasm', 'tfjs/wasm in a worker', 'ort/wasm in a worker'];
const ONNX_RUNS = ['ort/wasm', 'ort/wasm in a worker'];

/** Every file below `dir`, relative, with its size. */
function filesIn(dir: string): { file: string; bytes: number }[] {
  const out: { file: string; bytes: number }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ file: relative(dir, p).split('\\').join('/'), bytes: statSync(p).size });
    }
  };
  walk(dir);
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts a long-running server command and waits until `url` answers. */
async function startServer(app: App, cmd: string, args: string[], url: string, env: NodeJS.ProcessEnv = {}): Promise<{ stop(): void; log(): string }> {
  const child: ChildProcess = spawn(cmd, args, { cwd: app.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout!.on('data', (d) => { log += String(d); });
  child.stderr!.on('data', (d) => { log += String(d); });
  const stop = () => { try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ } };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(url)).ok) return { stop, log: () => log };
    } catch { /* not up yet */ }
    if (Date.now() > deadline) { stop(); throw new Error(`${url} did not answer within 180 s:\n${log}`); }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Opens each page with non-localhost requests blocked; returns what each printed. */
async function classifyPages(urls: string[]): Promise<{ runs: PageRun[][]; blocked: string[] }> {
  const local = await launchLocalBrowser(false);
  try {
    const runs: PageRun[][] = [];
    for (const url of urls) {
      const page = await local.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(url);
      await page.waitForSelector('#out[data-done]', { timeout: 180_000 }).catch((e: Error) => {
        throw new Error(`${url}: ${e.message}; page errors: ${errors.join(' | ')}`);
      });
      const printed = JSON.parse((await page.textContent('#out'))!) as PageRun[] | { error: string };
      if (!Array.isArray(printed)) throw new Error(`${url}: ${printed.error}`);
      runs.push(printed);
      await page.close();
    }
    return { runs, blocked: local.blocked };
  } finally {
    await local.close();
  }
}

describe.skipIf(!hasSharedData)(`webpack 5 and Next.js apps from the packed tarball (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  let images: { name: string; path: string; label: string }[];
  let expected: Record<string, string>;
  let packDir: string;
  let webpackApp: App;
  let nextApp: App;
  const expectRuns = (runs: PageRun[], names: string[]) => {
    expect(runs.map(where)).toEqual(names);
    for (const run of runs) expect(run.top1, where(run)).toEqual(expected);
  };

  beforeAll(async () => {
    images = await clearlyLabelledImages();
    expected = Object.fromEntries(images.map((i) => [i.name, i.label]));
    packDir = mkdtempSync(join(tmpdir(), 'inpage-pack-'));
    const tarball = packLibrary(packDir);
    webpackApp = createWebpackApp(tarball, images);
    nextApp = createNextApp(tarball, images);
  }, SETUP_TIMEOUT);

  afterAll(() => {
    for (const dir of [webpackApp?.dir, nextApp?.dir, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm install of the tarball: no install script of this package or one only it brings in', () => {
    // npm 11 lists every package with install scripts. What is left is onnxruntime-web's own
    // dependency protobufjs 7 (a version-check postinstall), which this package cannot drop.
    const named = [...webpackApp.installLog.matchAll(/^npm warn install-scripts\s+(\S+)@(\S+) \(/gm)].map((m) => m[1]);
    expect(webpackApp.installLog).not.toMatch(/inpage-classifier@|core-js@|protobufjs@6\./);
    expect(new Set(named).size === 0 || [...new Set(named)].every((name) => name === 'protobufjs')).toBe(true);
    const ortDeps = (JSON.parse(readFileSync(join(webpackApp.dir, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    if (named.length > 0) expect(Object.keys(ortDeps)).toContain('protobufjs');
  });

  describe('webpack 5', () => {
    let stats: { warnings: { message: string; moduleName?: string; moduleTrace?: { originName?: string; moduleName?: string }[] }[] };
    let dist: { file: string; bytes: number }[];
    let onnxOnly: { file: string; bytes: number }[];

    beforeAll(() => {
      webpackApp.run('npx', ['webpack', '--json', 'stats.json']);
      stats = JSON.parse(readFileSync(join(webpackApp.dir, 'stats.json'), 'utf8')) as typeof stats;
      dist = filesIn(join(webpackApp.dir, 'dist'));
      copyPublic(webpackApp, 'dist');
      webpackApp.run('npx', ['webpack'], { ONNX_ONLY: '1', OUT_DIR: 'dist-onnx' });
      onnxOnly = filesIn(join(webpackApp.dir, 'dist-onnx'));
    }, SETUP_TIMEOUT);

    it('the build prints no warning from the library\'s code (no protobufjs "Critical dependency", nothing traced to inpage-classifier)', () => {
      const ours = stats.warnings.filter((w) => /inpage-classifier|protobufjs|Critical dependency/.test([w.message, w.moduleName ?? '', ...(w.moduleTrace ?? []).flatMap((t) => [t.originName ?? '', t.moduleName ?? ''])].join(' ')));
      expect(ours.map((w) => w.message)).toEqual([]);
    });

    it('emits the four ORT/tfjs wasm binaries the library fetches, under wasm/, and no second copy of any', () => {
      const wasm = dist.filter((f) => f.file.endsWith('.wasm')).map((f) => f.file).sort();
      expect(wasm).toEqual([
        'wasm/ort/ort-wasm-simd-threaded.asyncify.wasm', 'wasm/ort/ort-wasm-simd-threaded.wasm',
        'wasm/tfjs/tfjs-backend-wasm-simd.wasm', 'wasm/tfjs/tfjs-backend-wasm.wasm',
      ]);
      expect(dist.filter((f) => f.file.startsWith('wasm/ort/') && f.file.endsWith('.mjs')).map((f) => f.file).sort()).toEqual(['wasm/ort/ort-wasm-simd-threaded.asyncify.mjs', 'wasm/ort/ort-wasm-simd-threaded.mjs']);
      // Besides those, webpack copies only onnxruntime-web's own script (its `new URL('ort.wasm.min.mjs',
      // import.meta.url)` self-reference, 48-65 KB each), never a glue module or binary (the 12-27 MB ones).
      const otherMjs = dist.filter((f) => !f.file.startsWith('wasm/') && f.file.endsWith('.mjs'));
      for (const f of otherMjs) expect(f.bytes, f.file).toBeLessThan(100_000);
      expect(dist.filter((f) => !f.file.startsWith('wasm/') && !f.file.startsWith('models/')).reduce((n, f) => n + f.bytes, 0)).toBeLessThan(4_000_000);
      expect(dist.some((f) => f.file === 'models/nsfw-mobilenet-v2-onnx/manifest.json')).toBe(true);
    });

    it('an /onnx-only build carries no TensorFlow.js chunk and no tfjs wasm', () => {
      const js = onnxOnly.filter((f) => f.file.endsWith('.js')).map((f) => readFileSync(join(webpackApp.dir, 'dist-onnx', f.file), 'utf8')).join('\n');
      expect(js).toContain('onnxruntime');
      expect(js).not.toMatch(/tfjs-core|registerKernel|tfjs-backend/);
      expect(onnxOnly.filter((f) => f.file.endsWith('.wasm')).map((f) => f.file).sort()).toEqual(['wasm/ort/ort-wasm-simd-threaded.asyncify.wasm', 'wasm/ort/ort-wasm-simd-threaded.wasm']);
    });

    it('production build on a static host: both entries, in the page and in their workers, classify like the server model', async () => {
      const host = await serveStatic(join(webpackApp.dir, 'dist'));
      try {
        const { runs, blocked } = await classifyPages([`${host.url}index.html`, `${host.url}onnx.html`]);
        expectRuns(runs[0]!, MAIN_RUNS);
        expectRuns(runs[1]!, ONNX_RUNS);
        expect(blocked).toEqual([]);
      } finally {
        await host.close();
      }
    }, PAGE_TIMEOUT);

    it('webpack-dev-server serves the assets from memory: the main entry classifies in the page and in a worker', async () => {
      const port = await freePort();
      const server = await startServer(webpackApp, 'npx', ['webpack', 'serve'], `http://localhost:${port}/wasm/ort/ort-wasm-simd-threaded.mjs`, { PORT: String(port), NODE_ENV: 'development' });
      try {
        const { runs, blocked } = await classifyPages([`http://localhost:${port}/index.html`]);
        expectRuns(runs[0]!, MAIN_RUNS);
        expect(blocked).toEqual([]);
      } finally {
        server.stop();
      }
    }, PAGE_TIMEOUT);
  });

  describe.each([['Turbopack', []], ['webpack', ['--webpack']]] as const)('Next.js App Router, %s build', (_name, flags) => {
    let next: { file: string; bytes: number }[];

    beforeAll(() => {
      rmSync(join(nextApp.dir, '.next'), { recursive: true, force: true });
      // `npm run build` as README has it: prebuild copies the assets into public/.
      nextApp.run('npm', ['run', 'build', '--', ...flags], { NEXT_TELEMETRY_DISABLED: '1' });
      next = filesIn(join(nextApp.dir, '.next'));
    }, SETUP_TIMEOUT);

    it('emits no ORT wasm copy into .next/ (the app serves the one in public/wasm/)', () => {
      expect(next.filter((f) => f.file.endsWith('.wasm')).map((f) => f.file)).toEqual([]);
      expect(existsSync(join(nextApp.dir, 'public', 'wasm', 'ort', 'ort-wasm-simd-threaded.wasm'))).toBe(true);
    });

    it('a server component that calls createClassifier gets UNSUPPORTED_ENVIRONMENT with environment "server" (prerendered)', () => {
      const html = readFileSync(join(nextApp.dir, '.next', 'server', 'app', 'server.html'), 'utf8').replaceAll('&quot;', '"');
      expect(html).toContain('{"code":"UNSUPPORTED_ENVIRONMENT","environment":"server"}');
    });

    it('next start: client components of both entries, in the page and in their workers, and README\'s hook classify like the server model', async () => {
      const port = await freePort();
      const server = await startServer(nextApp, 'npx', ['next', 'start', '-p', String(port)], `http://localhost:${port}/wasm/ort/ort-wasm-simd-threaded.mjs`, { NEXT_TELEMETRY_DISABLED: '1' });
      try {
        const { runs, blocked } = await classifyPages([`http://localhost:${port}/`, `http://localhost:${port}/onnx`, `http://localhost:${port}/hook`]);
        expectRuns(runs[0]!, MAIN_RUNS);
        expectRuns(runs[1]!, ONNX_RUNS);
        // README's useClassifier hook, with no options: the default model on the fastest backend found.
        expect(runs[2]!.map((r) => r.engine)).toEqual(['ort']);
        expect(runs[2]![0]!.top1).toEqual(expected);
        expect(blocked).toEqual([]);
      } finally {
        server.stop();
      }
    }, PAGE_TIMEOUT);
  });
});
