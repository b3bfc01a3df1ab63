/**
 * Issue 7 (security): the library's own code never evaluates strings as code,
 * so it runs under a CSP without 'unsafe-eval' (the built app is checked under
 * one in e2e/consumer/consumer.test.ts). This scans every source file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Code with comments and string literals blanked, so prose mentioning eval does not count. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '')
    .replace(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
}

/** Comments blanked but strings kept: module specifiers are strings. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

describe('no string evaluation in src/', () => {
  const files = sources(SRC);

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((f) => [f.slice(SRC.length + 1), f]))('%s: no eval, new Function, or string timers', (_name, file) => {
    const text = code(readFileSync(file, 'utf8'));
    expect(text).not.toMatch(/\beval\s*\(/);
    expect(text).not.toMatch(/\bnew\s+Function\s*\(/);
    expect(text).not.toMatch(/\bFunction\s*\(\s*""/);
    expect(text).not.toMatch(/\bset(Timeout|Interval)\s*\(\s*""/);
  });

  // protobufjs (onnx-proto's runtime) reaches for eval through @protobufjs/inquire: webpack warns
  // "Critical dependency" and a strict CSP would break. src/onnx/wire.ts reads ONNX instead; Node-only src/node/ may use it.
  const browser = files.filter((f) => !f.slice(SRC.length + 1).startsWith('node/'));
  it.each(browser.map((f) => [f.slice(SRC.length + 1), f]))('%s: no onnx-proto or protobufjs import', (_name, file) => {
    const text = withoutComments(readFileSync(file, 'utf8'));
    expect(text).not.toMatch(/\b(from|import\s*\(|require\s*\()\s*['"`](onnx-proto|protobufjs)(\/[^'"`]*)?['"`]/);
    expect(text).not.toMatch(/^\s*import\s*['"`](onnx-proto|protobufjs)/m);
  });
});
