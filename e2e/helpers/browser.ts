/**
 * Opens the demo page (served by the e2e global setup) in Debian Chromium
 * with every non-localhost request blocked: tools/browser/harness.ts, plus
 * the vitest side (the global setup's URL, a session per describe block).
 */
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { type LibraryPage, type OpenOptions, openLibraryPage } from '../../tools/browser/harness.js';

export { reloadLibraryPage, whenLibraryReady } from '../../tools/browser/harness.js';

export type BrowserSession = LibraryPage;

export interface LaunchOptions extends Omit<OpenOptions, 'readyTimeoutMs'> {
  /** Query string for the demo page. @defaultValue '?autoload=0' */
  query?: string;
}

export async function openDemo(options: LaunchOptions = {}): Promise<BrowserSession> {
  return openLibraryPage(new URL(options.query ?? '?autoload=0', inject('baseUrl')).href, options);
}

/**
 * One demo page for a describe block: opened before its tests, closed after,
 * asserting that the page made no non-localhost request. Returns a getter.
 */
export function useDemoSession(options: LaunchOptions = {}): () => BrowserSession {
  let session: BrowserSession | undefined;
  beforeAll(async () => {
    session = await openDemo(options);
  });
  afterAll(async () => {
    if (!session) return;
    expect(session.blocked, 'non-localhost requests').toEqual([]);
    await session.close();
  });
  return () => {
    if (!session) throw new Error('the demo session is not open (used outside its describe block?)');
    return session;
  };
}
