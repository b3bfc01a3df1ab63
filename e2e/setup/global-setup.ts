/**
 * Starts the demo's Vite dev server (COOP/COEP, /shared-data/) once for the
 * whole e2e run, on a free port (tools/browser/harness.ts), and tells the
 * tests its URL.
 */
import type { TestProject } from 'vitest/node';
import { type DevServer, startDevServer } from '../../tools/browser/harness.js';

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ logLevel: 'warn' });
  project.provide('baseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
