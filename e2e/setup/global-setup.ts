/**
 * Starts the demo's Vite dev server (COOP/COEP, /shared-data/) once for the
 * whole e2e run, on a free port, and tells the tests its URL.
 */
import type { TestProject } from 'vitest/node';
import { createServer, type ViteDevServer } from 'vite';

let server: ViteDevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, strictPort: false, hmr: false, watch: null }, logLevel: 'warn', clearScreen: false });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report a port');
  // "localhost" (not 127.0.0.1): a secure context, which WebGPU and crypto.subtle need.
  project.provide('baseUrl', `http://localhost:${address.port}/`);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
