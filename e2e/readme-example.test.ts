/**
 * The README's usage example, run as written in Chromium (with the package
 * import mapped to the page's `window.inpageClassifier`), so the docs cannot
 * drift from the API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openDemo } from './helpers/browser.js';
import { hasSharedData, SKIP_NO_DATA } from './helpers/data.js';

function readmeExample(): string {
  const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const block = /<!-- example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- example:end -->/.exec(readme);
  if (!block) throw new Error('README has no example block between <!-- example:start/end -->');
  return block[1]!;
}

test.skipIf(!hasSharedData)(`README usage example runs as written (${hasSharedData ? 'Chromium' : SKIP_NO_DATA})`, async () => {
  const source = readmeExample()
    .replace(/import \{([^}]+)\} from 'inpage-classifier';/, 'const {$1} = window.inpageClassifier;');
  const session = await openDemo();
  try {
    const logs = await session.page.evaluate(async (code) => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (...args: unknown[]) => lines.push(args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(' '));
      try {
        // The example is TypeScript without type annotations: valid JavaScript too.
        await new Function(`return (async () => {\n${code}\n})()`)();
      } finally {
        console.log = log;
      }
      return lines;
    }, source);
    expect(logs.some((l) => /^ready /.test(l))).toBe(true);
    expect(logs.find((l) => l.startsWith('running on tfjs/wasm')), 'auto picks wasm over emulated GPUs').toBeTruthy();
    expect(logs.find((l) => /^Neutral 0\.\d+ /.test(l)), 'Samoyed photo is Neutral').toBeTruthy();
    expect(logs.find((l) => l.startsWith('rejected: '))).toMatch(/plain text|not an image/);
    expect(session.blocked).toEqual([]);
  } finally {
    await session.close();
  }
});
