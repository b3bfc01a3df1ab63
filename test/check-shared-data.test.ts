/**
 * CI's data check (scripts/check-shared-data.mjs, first step of .ci/run):
 * a missing ../shared/data makes CI red instead of letting most e2e files
 * skip, while `npm test` alone still skips with its message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasSharedData, SHARED_DATA } from '../tools/shared-data.js';

const ROOT = resolve(import.meta.dirname, '..');
const check = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-shared-data.mjs'), ...args], { encoding: 'utf8' });

describe('CI fails loudly without its data', () => {
  it('.ci/run checks the data before installing or testing anything', () => {
    const lines = readFileSync(join(ROOT, '.ci', 'run'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    const checkAt = lines.findIndex((l) => l.includes('scripts/check-shared-data.mjs'));
    expect(checkAt).toBeGreaterThan(-1);
    expect(checkAt).toBeLessThan(lines.findIndex((l) => l.startsWith('npm ')));
  });

  it('an empty data folder: exit 1, naming what is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-data-'));
    try {
      const run = check(empty);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('missing: models/mobilenetv2-12-int8-dequantized-fp32.onnx, labels/imagenet_classes.txt, photos, bad');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasSharedData)('the real data folder passes (the one the tests read)', () => {
    const run = check();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(SHARED_DATA);
  });
});
