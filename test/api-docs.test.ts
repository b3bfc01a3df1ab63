/**
 * Issue 9: docs/api/ is generated from the TSDoc comments (`npm run docs:api`)
 * and committed so it reads on GitHub. This regenerates it and fails when the
 * committed copy is stale, and checks that every public option documents its
 * default and an example.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const COMMITTED = join(ROOT, 'docs', 'api');

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** `### name?` sections of a generated interface page. */
function sections(markdown: string): Map<string, string> {
  const parts = markdown.split(/^### /m).slice(1);
  return new Map(parts.map((p) => [p.slice(0, p.indexOf('\n')).replace(/\?$/, ''), p]));
}

describe('API reference (docs/api)', () => {
  let fresh: Map<string, string>;
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'api-docs-'));
    execFileSync('npx', ['typedoc', '--out', out, '--logLevel', 'Warn'], { cwd: ROOT, stdio: 'pipe' });
    fresh = tree(out);
  }, 120_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('the committed docs/api matches the sources (run `npm run docs:api` after changing TSDoc)', () => {
    const committed = tree(COMMITTED);
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, text] of fresh) expect(committed.get(file), file).toBe(text);
  });

  it('covers the entry point, the Classifier, the errors and the Vite plugin', () => {
    for (const page of ['index/functions/createClassifier.md', 'index/interfaces/Classifier.md', 'index/classes/ClassifierError.md', 'node/vite/functions/inpageClassifier.md']) {
      expect(fresh.has(page), page).toBe(true);
    }
  });

  it.each([
    ['ClassifierOptions', 'index/interfaces/ClassifierOptions.md', 20],
    ['InpageClassifierPluginOptions', 'node/vite/interfaces/InpageClassifierPluginOptions.md', 3],
  ])('every %s option has its default and an example', (_name, page, atLeast) => {
    const options = sections(fresh.get(page)!);
    expect(options.size).toBeGreaterThanOrEqual(atLeast);
    for (const [name, text] of options) {
      expect(text, `${name}: default`).toContain('#### Default Value');
      expect(text, `${name}: example`).toContain('#### Example');
    }
  });
});
