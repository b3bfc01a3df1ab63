/**
 * The public surface is small and sealed: every entry point exports the same
 * six runtime names (the rest are types), README's "API" block lists them,
 * and no classifier class is exported (Classifier is an interface), so no
 * internal member can be reached or a classifier constructed from outside.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const RUNTIME_EXPORTS = ['ClassifierError', 'DEFAULT_LIMITS', 'clearSelectionCache', 'createClassifier', 'isClassifierError', 'validateManifest'];

describe('public API', () => {
  it.each(['index', 'onnx', 'tfjs'])('src/%s.ts exports exactly the six runtime names', async (entry) => {
    const module = (await import(`../src/${entry}.ts`)) as Record<string, unknown>;
    expect(Object.keys(module).sort()).toEqual(RUNTIME_EXPORTS);
    expect(module).not.toHaveProperty('Classifier');
    expect(module).not.toHaveProperty('PageClassifier');
  });

  it("README's API block names every runtime export, and fits one screen", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## API\n'), readme.indexOf('\n### Options\n'));
    const block = section.slice(section.indexOf('```ts'), section.indexOf('```\n', section.indexOf('```ts') + 5));
    for (const name of RUNTIME_EXPORTS) expect(block, name).toContain(name);
    expect(block.split('\n').length).toBeLessThanOrEqual(30);
  });
});
