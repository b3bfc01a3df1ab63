/**
 * npm run serve-model [-- --model public/models/nsfw-mobilenet-v2-onnx/manifest.json --port 8787]
 * A tiny /predict endpoint: POST the image bytes, get the library's result
 * shape back: { top: [{label, index, score}], scores, model, version }
 * (`scores`: every class's probability, for parity checks). Listens on
 * 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { loadServerModel } from './server/model.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'public/models/nsfw-mobilenet-v2-onnx/manifest.json' }, port: { type: 'string', default: process.env.PORT ?? '8787' } } });
const MAX_BYTES = 20 * 1024 * 1024;

export async function startServer(manifestPath: string, port: number) {
  const model = await loadServerModel(manifestPath);
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/predict') return reply(404, { error: 'POST /predict with the image bytes as the body' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      model.predict(Buffer.concat(chunks)).then(
        (p) => reply(200, { top: p.top, scores: Array.from(p.scores), model: model.manifest.name, version: model.manifest.version }),
        (e: unknown) => reply(400, { error: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, model };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { server, model } = await startServer(values.model!, Number(values.port));
  const address = server.address();
  console.log(`serve-model: ${model.manifest.name}@${model.manifest.version} on http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}/predict`);
}
