/**
 * Apps made from scratch with the bundlers people use besides Vite (issue 17):
 * a webpack 5 app and a Next.js App Router app, each installing the `npm pack`
 * tarball, configured with the README's blocks verbatim, and with pages for
 * the main entry, `inpage-classifier/onnx` and `worker: true` of both, in one
 * build. Used by e2e/consumer/bundlers.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { installed, run } from './fixture.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A block of README.md between `<!-- NAME:start -->` and `<!-- NAME:end -->`, without its code fence. */
export function readmeBlock(name: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(readme);
  if (!block) throw new Error(`README.md has no ${name} block`);
  return block[1]!;
}

/** Which runs a page makes: [model URL or undefined for the entry's default, worker]. */
const MAIN_RUNS = "[['/models/nsfw-mobilenet-v2/manifest.json', false], [undefined, false], ['/models/nsfw-mobilenet-v2/manifest.json', true], [undefined, true]]";
const ONNX_RUNS = '[[undefined, false], [undefined, true]]';

/**
 * Shared by every page: classifies the images of /images/list.json with each
 * run's classifier and returns what it got (plain JS: both bundlers take it as is).
 */
const CLASSIFY_ALL = `export async function classifyAll(createClassifier, runs) {
  const images = await (await fetch('/images/list.json')).json();
  const out = [];
  for (const [model, worker] of runs) {
    const clf = await createClassifier({ model, backends: ['wasm'], worker, wasm: { threads: 2 } });
    const top1 = {};
    for (const name of images) {
      const blob = await (await fetch('/images/' + name)).blob();
      top1[name] = (await clf.classify(blob)).top[0].label;
    }
    const wasm = clf.capabilities.find((c) => c.backend === 'wasm');
    out.push({ engine: clf.engine, backend: clf.backend, worker, threads: wasm?.threads, wasm: wasm?.description, top1 });
    await clf.dispose();
  }
  return out;
}

export function show(runs) {
  const out = document.querySelector('#out');
  out.textContent = JSON.stringify(runs);
  out.dataset.done = 'true';
}
`;

export interface App {
  dir: string;
  /** Runs a command in the app folder; returns stdout (throws with both streams on failure). */
  run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string;
  /** npm's output (stdout + stderr) of installing the tarball. */
  installLog: string;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

function makeApp(prefix: string, files: Record<string, string>, deps: string[], tarball: string, images: { name: string; path: string }[]): App {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFiles(dir, files);
  mkdirSync(join(dir, 'public', 'images'), { recursive: true });
  for (const image of images) writeFileSync(join(dir, 'public', 'images', image.name), readFileSync(image.path));
  writeFileSync(join(dir, 'public', 'images', 'list.json'), JSON.stringify(images.map((i) => i.name)));
  // The bundler first (from the npm cache, as the repo pins it), then the tarball alone: its log is what a user sees.
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...deps.map((d) => `${d}@${installed(d)}`)], dir);
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`npm install ${tarball} failed in ${dir}:\n${install.stdout}\n${install.stderr}`);
  return { dir, run: (cmd, args, env) => run(cmd, args, dir, env), installLog: `${install.stdout}\n${install.stderr}` };
}

/**
 * webpack 5: `webpack.readme.js` is README's block; the app's own config adds
 * its two entries (main entry, /onnx) and the dev server. ONNX_ONLY=1 builds
 * only the /onnx page with the ORT assets (for the bundle-contents check).
 */
export function createWebpackApp(tarball: string, images: { name: string; path: string }[]): App {
  const page = (entry: string, runs: string) => `import { createClassifier } from '${entry}';
import { classifyAll, show } from './classify-all.js';

classifyAll(createClassifier, ${runs}).then(show, (e) => show({ error: String(e), code: e.code }));
`;
  const html = (script: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>webpack consumer</title></head>
<body><pre id="out">classifying…</pre><script src="/${script}.js"></script></body></html>
`;
  return makeApp('inpage-webpack-', {
    'package.json': JSON.stringify({ name: 'webpack-consumer', private: true, type: 'module' }, null, 2),
    'webpack.readme.js': readmeBlock('webpack-config'),
    'webpack.config.js': `import { resolve } from 'node:path';
import { InpageClassifierPlugin } from 'inpage-classifier/webpack';
import readme from './webpack.readme.js';

const onnxOnly = process.env.ONNX_ONLY === '1';
export default {
  ...readme,
  mode: process.env.NODE_ENV === 'development' ? 'development' : 'production',
  entry: onnxOnly ? { onnx: './src/onnx.js' } : { main: './src/main.js', onnx: './src/onnx.js' },
  output: { path: resolve(process.env.OUT_DIR ?? 'dist'), clean: true },
  plugins: onnxOnly ? [new InpageClassifierPlugin({ engines: ['ort'] })] : readme.plugins,
  devServer: { static: 'public', port: Number(process.env.PORT ?? 8080), hot: false, liveReload: false, client: false },
};
`,
    'src/classify-all.js': CLASSIFY_ALL,
    'src/main.js': page('inpage-classifier', MAIN_RUNS),
    'src/onnx.js': page('inpage-classifier/onnx', ONNX_RUNS),
    'public/index.html': html('main'),
    'public/onnx.html': html('onnx'),
  }, ['webpack', 'webpack-cli', 'webpack-dev-server'], tarball, images);
}

/** The app's static files (pages, images) next to a production build, as a copy step of a real app would put them. */
export function copyPublic(app: App, outDir: string): void {
  cpSync(join(app.dir, 'public'), join(app.dir, outDir), { recursive: true });
}

/**
 * Next.js App Router: README's next.config.mjs and package.json scripts
 * (copy-assets into public/ before dev and build); `/` uses the main entry,
 * `/onnx` the ONNX entry (client components calling createClassifier in an
 * effect, disposing in its cleanup), `/server` a server component that calls
 * createClassifier during prerendering and prints the error it gets.
 */
export function createNextApp(tarball: string, images: { name: string; path: string }[]): App {
  const scripts = JSON.parse(readmeBlock('next-scripts')) as { scripts: Record<string, string> };
  const client = (entry: string, runs: string) => `'use client';
import { useEffect, useState } from 'react';
import { createClassifier } from '${entry}';
import { classifyAll } from './classify-all.js';

export default function Runs() {
  const [runs, setRuns] = useState(null);
  useEffect(() => {
    classifyAll(createClassifier, ${runs}).then(setRuns, (e) => setRuns({ error: String(e), code: e.code }));
  }, []);
  return <pre id="out" data-done={runs ? 'true' : undefined}>{runs ? JSON.stringify(runs) : 'classifying…'}</pre>;
}
`;
  return makeApp('inpage-next-', {
    'package.json': JSON.stringify({ name: 'next-consumer', private: true, ...scripts }, null, 2),
    'next.config.mjs': readmeBlock('next-config'),
    'app/classify-all.js': CLASSIFY_ALL.replace(/export function show[\s\S]*$/, ''),
    'app/layout.js': 'export default function Layout({ children }) { return <html lang="en"><body>{children}</body></html>; }\n',
    'app/runs-main.js': client('inpage-classifier', MAIN_RUNS),
    'app/runs-onnx.js': client('inpage-classifier/onnx', ONNX_RUNS),
    'app/page.js': "import Runs from './runs-main.js';\nexport default function Page() { return <Runs />; }\n",
    'app/onnx/page.js': "import Runs from '../runs-onnx.js';\nexport default function Page() { return <Runs />; }\n",
    // README's hook verbatim, on a page that classifies the images with the classifier it gives.
    'app/use-classifier.js': readmeBlock('next-hook'),
    'app/hook/page.js': `'use client';
import { useEffect, useState } from 'react';
import { useClassifier } from '../use-classifier.js';

export default function Page() {
  const clf = useClassifier();
  const [runs, setRuns] = useState(null);
  useEffect(() => {
    if (!clf) return;
    (async () => {
      const images = await (await fetch('/images/list.json')).json();
      const top1 = {};
      for (const name of images) top1[name] = (await clf.classify(await (await fetch('/images/' + name)).blob())).top[0].label;
      setRuns([{ engine: clf.engine, backend: clf.backend, worker: false, top1 }]);
    })();
  }, [clf]);
  return <pre id="out" data-done={runs ? 'true' : undefined}>{runs ? JSON.stringify(runs) : 'classifying…'}</pre>;
}
`,
    'app/server/page.js': `import { createClassifier } from 'inpage-classifier';

export default async function Page() {
  let outcome;
  try { await createClassifier(); outcome = { resolved: true }; }
  catch (e) { outcome = { code: e.code, environment: e.details?.environment }; }
  return <pre id="out">{JSON.stringify(outcome)}</pre>;
}
`,
  }, ['next', 'react', 'react-dom'], tarball, images);
}
