/**
 * npm run serve-model's contract: POST image bytes to /predict, get the
 * library's result shape { top: [{label, index, score}], model, version },
 * identical to the server model called directly; bad input is a 400 with a
 * message, unknown routes 404.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../tools/serve-model.js';
import type { ServerModel } from '../tools/server/model.js';
import { hasSharedData, SHARED_DATA } from '../tools/shared-data.js';

const MANIFEST = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json');

describe.skipIf(!hasSharedData)(`serve-model POST /predict (${hasSharedData ? 'real photo' : 'needs ../shared/data'})`, () => {
  let server: Server;
  let model: ServerModel;
  let url: string;
  beforeAll(async () => {
    ({ server, model } = await startServer(MANIFEST, 0));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await model.release();
  });

  test('returns the result shape the library returns, equal to a direct prediction', async () => {
    const photo = readFileSync(join(SHARED_DATA, 'photos', 'dog_samoyed.jpg'));
    const response = await fetch(`${url}/predict`, { method: 'POST', body: photo, headers: { 'content-type': 'image/jpeg' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { top: { label: string; index: number; score: number }[]; model: string; version: string };
    expect(body.model).toBe('nsfw-mobilenet-v2-onnx');
    expect(body.version).toBe(model.manifest.version);
    expect(body.top).toHaveLength(5);
    const direct = await model.predict(photo);
    expect(body.top).toEqual(direct.top.map((c) => ({ ...c, score: Math.fround(c.score) })));
    expect(body.top[0]!.label).toBe('Neutral');
  });

  test('a non-image body is a 400 with a message; other routes are 404', async () => {
    const bad = await fetch(`${url}/predict`, { method: 'POST', body: 'not an image' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unsupported image format|Input buffer/i);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
