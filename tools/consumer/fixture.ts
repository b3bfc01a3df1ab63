/**
 * A consumer app made from scratch, the way a new user would: a fresh folder
 * with its own package.json, Vite, TypeScript and this package installed from
 * the `npm pack` tarball (never from the repo's sources). Used by the
 * consumer e2e test (e2e/consumer/) and by `npm run size`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** The exact versions the repo itself uses, so the install comes from the npm cache. */
export const installed = (name: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

/** The vite.config.ts block of the README (between its vite-config markers), without the code fence. */
export function readmeViteConfig(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- vite-config:start -->\s*```ts\n([\s\S]*?)```\s*<!-- vite-config:end -->/.exec(readme);
  if (!block) throw new Error('README.md has no vite-config block');
  return block[1]!;
}

/** Builds the library and packs it as a user would get it from the registry. Returns the tarball path. */
export function packLibrary(destination: string): string {
  run('npm', ['run', 'build:lib'], ROOT);
  // The models in public/models were made by `npm ci` (prepare); don't redo them for the tarball.
  // What prepack/postpack do around a real `npm pack`: the tarball's package.json has no install scripts.
  run('node', ['scripts/publish-package-json.mjs', 'strip'], ROOT);
  let out: string;
  try {
    out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], ROOT);
  } finally {
    run('node', ['scripts/publish-package-json.mjs', 'restore'], ROOT);
  }
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  return join(destination, info!.filename);
}

/** Which entry point the app imports. */
export type Entry = 'inpage-classifier' | 'inpage-classifier/onnx' | 'inpage-classifier/tfjs';

/**
 * The app: imports createClassifier, classifies the images in public/images
 * with each model and prints what it got. The main entry point runs the
 * tfjs model and its default (the ONNX twin), in the page and then each again
 * in a Web Worker (`worker: true`, which only works if the build emitted the
 * worker script); the others their own default, in the page.
 */
export function mainTs(entry: Entry): string {
  const runs = entry === 'inpage-classifier'
    ? "[['models/nsfw-mobilenet-v2/manifest.json', false], [undefined, false], ['models/nsfw-mobilenet-v2/manifest.json', true], [undefined, true]] as const"
    : '[[undefined, false]] as const';
  return `import { createClassifier } from '${entry}';

const images = (document.body.dataset.images ?? '').split(',').filter(Boolean);
const runs = [];
for (const [model, worker] of ${runs}) {
  // Two ORT threads whatever the machine's default, so isolation is proven by threads > 1.
  const clf = await createClassifier({ model, backends: ['wasm'], worker, wasm: { threads: 2 } });
  const top1: Record<string, string> = {};
  for (const name of images) {
    const blob = await (await fetch(\`images/\${name}\`)).blob();
    top1[name] = (await clf.classify(blob)).top[0]!.label;
  }
  const wasm = clf.capabilities.find((c) => c.backend === 'wasm');
  runs.push({ engine: clf.engine, backend: clf.backend, worker, threads: wasm?.threads, wasm: wasm?.description, top1 });
  await clf.dispose();
}
const out = document.querySelector<HTMLPreElement>('#out')!;
out.textContent = JSON.stringify(runs);
out.dataset.done = 'true';
`;
}

export interface Fixture {
  dir: string;
  /** Runs a command in the app folder. */
  run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string;
  /** `vite build` of one entry point into `outDir`; returns the emitted files with their sizes. */
  build(entry: Entry, outDir: string): { file: string; bytes: number }[];
}

/**
 * Creates the app in a temp folder and installs the tarball plus Vite and
 * TypeScript. `images` are copied into public/images/ (from ../shared/data).
 */
export function createFixture(tarball: string, images: { name: string; path: string }[] = []): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'inpage-consumer-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>consumer</title></head>
<body data-images="${images.map((i) => i.name).join(',')}"><pre id="out">classifying…</pre><script type="module" src="/src/main.ts"></script></body></html>
`);
  // The README's vite.config.ts, verbatim: what a user following it gets.
  writeFileSync(join(dir, 'vite.config.ts'), readmeViteConfig());
  // For the per-entry builds (bundle contents, `npm run size`): only that entry's engine, and Vite's chunk manifest.
  writeFileSync(join(dir, 'vite.variant.config.ts'), `import { defineConfig } from 'vite';
import { inpageClassifier } from 'inpage-classifier/vite';

export default defineConfig({
  plugins: [inpageClassifier(process.env.ENGINES ? { engines: process.env.ENGINES.split(',') as ('ort' | 'tfjs')[] } : {})],
  build: { outDir: process.env.OUT_DIR ?? 'dist', emptyOutDir: true, manifest: true },
});
`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM', 'DOM.Iterable'], strict: true, noUncheckedIndexedAccess: true, types: ['vite/client', 'node'], noEmit: true, skipLibCheck: false },
    include: ['src', 'vite.config.ts', 'vite.variant.config.ts'],
  }, null, 2));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), mainTs('inpage-classifier'));
  mkdirSync(join(dir, 'public', 'images'), { recursive: true });
  for (const image of images) writeFileSync(join(dir, 'public', 'images', image.name), readFileSync(image.path));

  const deps = [tarball, `vite@${installed('vite')}`, `typescript@${installed('typescript')}`, `@types/node@${installed('@types/node')}`];
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...deps], dir);

  const fixture: Fixture = {
    dir,
    run: (cmd, args, env) => run(cmd, args, dir, env),
    build(entry, outDir) {
      writeFileSync(join(dir, 'src', 'main.ts'), mainTs(entry));
      if (outDir === 'dist' && entry === 'inpage-classifier') {
        run('npx', ['vite', 'build', '--logLevel', 'warn'], dir);
      } else {
        const engines = entry.endsWith('/onnx') ? 'ort' : entry.endsWith('/tfjs') ? 'tfjs' : '';
        run('npx', ['vite', 'build', '--config', 'vite.variant.config.ts', '--logLevel', 'warn'], dir, { OUT_DIR: outDir, ENGINES: engines });
      }
      const files: { file: string; bytes: number }[] = [];
      const walk = (d: string, prefix: string) => {
        for (const name of readdirSync(d)) {
          const p = join(d, name);
          if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
          else files.push({ file: `${prefix}${name}`, bytes: statSync(p).size });
        }
      };
      walk(resolve(dir, outDir), '');
      return files;
    },
  };
  return fixture;
}

