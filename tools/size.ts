/**
 * `npm run size`: what each way of importing the library adds to an app's
 * build, measured on a real consumer build (tools/consumer/fixture.ts: the
 * packed tarball installed in a fresh Vite app). For each entry point:
 * - core: JS the page loads before any engine (entry chunk + its static imports), gzip;
 * - per engine: the JS that engine's dynamic import pulls in, gzip;
 * - wasm and model files the plugin emits.
 * Writes docs/size.md with `--write`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createFixture, type Entry, packLibrary } from './consumer/fixture.js';

interface ManifestChunk { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[]; src?: string; name?: string }
type ViteManifest = Record<string, ManifestChunk>;

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Chunks reachable from `keys` through static imports (what loading them also loads). */
function closure(manifest: ViteManifest, keys: string[], seen = new Set<string>()): Set<string> {
  for (const key of keys) {
    if (seen.has(key) || !manifest[key]) continue;
    seen.add(key);
    closure(manifest, manifest[key]!.imports ?? [], seen);
  }
  return seen;
}

export interface EntrySize { entry: Entry; coreGzip: number; engines: Record<string, number>; totalJsGzip: number; wasmBytes: number; modelBytes: number }

function measure(dir: string, outDir: string, entry: Entry, files: { file: string; bytes: number }[]): EntrySize {
  const manifest = JSON.parse(readFileSync(join(dir, outDir, '.vite', 'manifest.json'), 'utf8')) as ViteManifest;
  const gz = (key: string) => gzipSync(readFileSync(join(dir, outDir, manifest[key]!.file))).byteLength;
  const sum = (keys: Iterable<string>) => [...keys].reduce((n, k) => n + gz(k), 0);
  const entryKey = Object.keys(manifest).find((k) => manifest[k]!.isEntry)!;
  const core = closure(manifest, [entryKey]);
  const engines: Record<string, number> = {};
  for (const key of Object.keys(manifest)) {
    // The library's engine modules (dist/engines/ort.js, tfjs.js) are the dynamic-import roots of each engine.
    const m = /engines\/(ort|tfjs)\.js$/.exec(key);
    if (!m) continue;
    const reachable = new Set<string>();
    const walk = (k: string) => {
      for (const c of closure(manifest, [k])) {
        if (reachable.has(c) || core.has(c)) continue;
        reachable.add(c);
        for (const d of manifest[c]!.dynamicImports ?? []) walk(d);
      }
    };
    walk(key);
    engines[m[1]!] = sum(reachable);
  }
  const jsFiles = files.filter((f) => f.file.endsWith('.js'));
  return {
    entry,
    coreGzip: sum(core),
    engines,
    totalJsGzip: jsFiles.reduce((n, f) => n + gzipSync(readFileSync(join(dir, outDir, f.file))).byteLength, 0),
    wasmBytes: files.filter((f) => f.file.startsWith('wasm/')).reduce((n, f) => n + f.bytes, 0),
    modelBytes: files.filter((f) => f.file.startsWith('models/')).reduce((n, f) => n + f.bytes, 0),
  };
}

export function table(sizes: EntrySize[]): string {
  const rows = sizes.map((s) => `| \`${s.entry}\` | ${kb(s.coreGzip)} | ${s.engines.ort ? kb(s.engines.ort) : '—'} | ${s.engines.tfjs ? kb(s.engines.tfjs) : '—'} | ${kb(s.totalJsGzip)} | ${mb(s.wasmBytes)} | ${mb(s.modelBytes)} |`);
  return ['| import | core JS (gzip) | + ORT engine, all EPs (gzip) | + tfjs engine, all backends (gzip) | all JS emitted (gzip) | wasm emitted | default model(s) emitted |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'inpage-size-'));
  try {
    const fixture = createFixture(packLibrary(work));
    const sizes: EntrySize[] = [];
    for (const entry of ['inpage-classifier', 'inpage-classifier/onnx', 'inpage-classifier/tfjs'] as const) {
      const outDir = `dist-${entry.replace(/\W/g, '-')}`;
      sizes.push(measure(fixture.dir, outDir, entry, fixture.build(entry, outDir)));
    }
    const md = table(sizes);
    console.log(md);
    if (process.argv.includes('--write')) {
      const doc = resolve(import.meta.dirname, '..', 'docs', 'size.md');
      const text = readFileSync(doc, 'utf8');
      const start = text.indexOf('<!-- size:start -->');
      const end = text.indexOf('<!-- size:end -->');
      writeFileSync(doc, `${text.slice(0, start)}<!-- size:start -->\n${md}\n${text.slice(end)}`);
      console.log(`updated ${doc}`);
    }
    rmSync(fixture.dir, { recursive: true, force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
