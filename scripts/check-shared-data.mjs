#!/usr/bin/env node
/**
 * CI's first step: the shared test data (../shared/data) must be there.
 * Without it `npm test` still passes, but only because most e2e files skip
 * ("needs ../shared/data"), which on CI would hide that nothing was tested.
 * So CI fails here, loudly, naming what is missing; `npm test` on a machine
 * without the data keeps skipping with its message.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The folder tools/shared-data.ts reads; an argument overrides it (for the script's own test).
const data = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..', '..', 'shared', 'data'));
const needed = ['models/mobilenetv2-12-int8-dequantized-fp32.onnx', 'labels/imagenet_classes.txt', 'photos', 'bad'];
const missing = needed.filter((p) => !existsSync(join(data, p)));
if (!missing.length && readdirSync(join(data, 'photos')).length === 0) missing.push('photos/ (empty)');
if (missing.length) {
  console.error(`CI needs the shared test data at ${data}; missing: ${missing.join(', ')}.`);
  console.error('Without it most e2e tests would skip and the run would look green. Put ../shared/data beside the clone (see README "Quick start").');
  process.exit(1);
}
console.log(`shared test data: ${data} (${needed.join(', ')}) present`);
