/**
 * The demo page as a person uses it: it loads the default model by itself,
 * shows the backend badge, and picking files shows one card per image with
 * labelled bars, or the typed error on the card of a bad file while the
 * others still classify. Saves a screenshot under e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openDemo } from './helpers/browser.js';
import { hasSharedData, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';

test.skipIf(!hasSharedData)(`demo page: pick photos, see labelled results (${hasSharedData ? 'Chromium' : SKIP_NO_DATA})`, async () => {
  const session = await openDemo({ query: '/' });
  try {
    const { page } = session;
    await expect.poll(() => page.textContent('#badge'), { timeout: 60_000 }).toMatch(/^tfjs · wasm/);
    await page.setInputFiles('#file', [
      join(SHARED_DATA, 'photos', 'dog_samoyed.jpg'),
      join(SHARED_DATA, 'photos', 'cat_chelsea.png'),
      join(SHARED_DATA, 'bad', 'text_file_renamed.jpg'),
    ]);
    await page.waitForFunction(() => document.querySelectorAll('.card[data-top1], .card[data-error]').length === 3, null, { timeout: 60_000 });
    const cards = await page.$$eval('.card', (els) => els.map((e) => ({ file: (e as HTMLElement).dataset.file, top1: (e as HTMLElement).dataset.top1, error: (e as HTMLElement).dataset.error, bars: e.querySelectorAll('.bar').length })));
    const byFile = Object.fromEntries(cards.map((c) => [c.file, c]));
    expect(byFile['dog_samoyed.jpg']).toMatchObject({ top1: 'Neutral', bars: 3 });
    expect(byFile['cat_chelsea.png']).toMatchObject({ top1: 'Neutral', bars: 3 });
    expect(byFile['text_file_renamed.jpg']).toMatchObject({ error: 'UNSUPPORTED_INPUT', bars: 0 });
    // Fallback reasons are one click away.
    expect(await page.$$eval('#fallbacks li', (els) => els.map((e) => e.textContent).join('\n'))).toMatch(/webgpu .*emulated GPU|webgl .*emulated GPU/);
    const dir = join(import.meta.dirname, 'screenshots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'demo-desktop.png'), fullPage: true });
    expect(session.blocked).toEqual([]);
  } finally {
    await session.close();
  }
});
