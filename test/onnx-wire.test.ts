/**
 * src/onnx/wire.ts (the hand-written protobuf reader/rewriter that keeps
 * protobufjs out of browser bundles) against onnx-proto, the generated
 * protobufjs code it replaced, on real models: what it reads must be what
 * onnx-proto reads, and what pinSymbolicDims writes must decode, with
 * onnx-proto, to the pinned dims and the untouched weights.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { readOnnxIO } from '../src/adapters/onnx-graph.js';
import { pinSymbolicDims } from '../src/engines/onnx-pin-dims.js';
import { type Dimension, encodeVarint, readFields, readModelGraph, varintOf } from '../src/onnx/wire.js';
import { ONNX_MODEL_FILE, SHARED_DATA } from '../tools/shared-data.js';

const ROOT = join(import.meta.dirname, '..');
const OCR = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets');

/** Real models and the input tensor the classifier would feed each. */
const MODELS: { name: string; path: string; shape: number[] }[] = [
  { name: 'nsfw-mobilenet-v2-onnx (tools/convert output, NHWC)', path: join(ROOT, 'public/models/nsfw-mobilenet-v2-onnx/model.onnx'), shape: [1, 224, 224, 3] },
  { name: 'PaddleOCR cls (free batch, height, width)', path: join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), shape: [1, 3, 48, 192] },
  { name: 'shared ImageNet MobileNetV2 fp32', path: join(SHARED_DATA, 'models', ONNX_MODEL_FILE), shape: [1, 3, 224, 224] },
  { name: 'shared ImageNet MobileNetV2 int8', path: join(SHARED_DATA, 'models', 'mobilenetv2-12-int8.onnx'), shape: [1, 3, 224, 224] },
];

type ProtoDim = onnx.TensorShapeProto.IDimension;
const num = (v: number | { toNumber(): number }) => (typeof v === 'number' ? v : v.toNumber());
const has = (d: object, key: string) => Object.prototype.hasOwnProperty.call(d, key);

/** onnx-proto's view of a dim, in wire.ts's shape: value present iff dim_value was on the wire. */
function protoDim(d: ProtoDim): Dimension {
  const out: Dimension = {};
  if (has(d, 'dimValue') && d.dimValue != null) out.value = num(d.dimValue);
  if (has(d, 'dimParam') && d.dimParam != null) out.param = d.dimParam;
  return out;
}

function protoValue(v: onnx.IValueInfoProto) {
  return { name: v.name ?? '', elemType: v.type?.tensorType?.elemType ?? 0, dims: (v.type?.tensorType?.shape?.dim ?? []).map(protoDim) };
}

const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes);
// Decoded messages are class instances (repeated fields always arrays), whatever the interface types say.
const graphOf = (m: onnx.ModelProto) => m.graph as onnx.GraphProto;
const tensors = (g: onnx.GraphProto) => g.initializer as onnx.TensorProto[];
const nodes = (g: onnx.GraphProto) => (g.node as onnx.NodeProto[]).map((n) => onnx.NodeProto.toObject(n, { longs: String }));

describe.each(MODELS.filter((m) => existsSync(m.path)))('$name', ({ path, shape }) => {
  const bytes = () => new Uint8Array(readFileSync(path));

  it("reads the inputs, outputs, initializer names and nodes onnx-proto reads", () => {
    const b = bytes();
    const graph = readModelGraph(b)!;
    const proto = graphOf(decode(b));
    expect(graph.name).toBe(proto.name);
    expect(graph.input).toEqual(proto.input.map(protoValue));
    expect(graph.output).toEqual(proto.output.map(protoValue));
    expect(graph.initializer).toEqual(proto.initializer.map((t) => t.name));
    expect(graph.node.length).toBe(proto.node.length);
    expect(graph.node).toEqual(proto.node.map((n) => ({ input: n.input, output: n.output, opType: n.opType })));
  });

  it('pins the symbolic dims, and onnx-proto reads back the same model otherwise (weights byte-identical)', async () => {
    const b = bytes();
    const before = decode(b);
    const pinnedBytes = await pinSymbolicDims(b, shape);
    const after = decode(pinnedBytes);
    const g0 = graphOf(before);
    const g1 = graphOf(after);
    const initializers = new Set(g0.initializer.map((t) => t.name));
    // The old onnx-proto pinning, on the decoded object: the contract being kept.
    const expected = (v: onnx.IValueInfoProto, fixed: readonly number[]) =>
      protoValue(v).dims.map((d, i): Dimension => (d.value !== undefined || fixed[i] === undefined ? d : { value: fixed[i] }));
    g0.input.forEach((v, i) => expect(protoValue(g1.input[i]!).dims).toEqual(initializers.has(v.name) ? protoValue(v).dims : expected(v, shape)));
    g0.output.forEach((v, i) => expect(protoValue(g1.output[i]!).dims).toEqual(expected(v, [1])));
    expect(g1.input.map((v) => v.name)).toEqual(g0.input.map((v) => v.name));
    expect(g1.output.map((v) => v.name)).toEqual(g0.output.map((v) => v.name));

    expect(g1.node.length).toBe(g0.node.length);
    expect(nodes(g1)).toEqual(nodes(g0));
    expect(g1.initializer.length).toBe(g0.initializer.length);
    tensors(g0).forEach((t, i) => {
      const u = tensors(g1)[i]!;
      expect(u.name).toBe(t.name);
      expect(u.dataType).toBe(t.dataType);
      expect(u.dims.map(num)).toEqual(t.dims.map(num));
      expect(Buffer.compare(u.rawData, t.rawData)).toBe(0);
      expect(u.floatData).toEqual(t.floatData);
      expect(u.int64Data.map(num)).toEqual(t.int64Data.map(num));
    });
    const top = (m: onnx.ModelProto) => ({ ...onnx.ModelProto.toObject(m, { longs: String }), graph: undefined });
    expect(top(after)).toEqual(top(before));

    // Pinned once, nothing is symbolic: the very same object back, no copy.
    expect(await pinSymbolicDims(pinnedBytes, shape)).toBe(pinnedBytes);
  });

  it('readOnnxIO matches onnx-proto and is unchanged by pinning but for the pinned dims', async () => {
    const b = bytes();
    const proto = graphOf(decode(b));
    const initializers = new Set(proto.initializer.map((t) => t.name));
    const io = await readOnnxIO(b);
    const dims = (v: onnx.IValueInfoProto) => protoValue(v).dims.map((d) => (d.value !== undefined ? (d.value > 0 ? d.value : null) : d.param || null));
    expect(io.inputs).toEqual(proto.input.filter((v) => !initializers.has(v.name)).map((v) => ({ name: v.name, elemType: v.type!.tensorType!.elemType, dims: dims(v) })));
    expect(io.outputs).toEqual(proto.output.map((v) => ({ name: v.name, elemType: v.type!.tensorType!.elemType, dims: dims(v) })));
    expect(Object.keys(io.outputOps)).toEqual(proto.output.map((v) => v.name));
    const pinned = await readOnnxIO(await pinSymbolicDims(b, shape));
    expect(pinned.inputs[0]!.dims).toEqual(shape);
    expect(pinned.outputOps).toEqual(io.outputOps);
  });

  it('throws, never misreads, on truncated bytes', async () => {
    const b = bytes();
    // Cut inside each top-level field (a cut between fields is a shorter but valid message) and mid-graph.
    const cuts = [...readFields(b).map((f) => f.end - 1), b.length >> 1];
    for (const cut of cuts) {
      const part = b.subarray(0, cut);
      expect(() => readModelGraph(part), `cut at ${cut}`).toThrow(/truncated protobuf/);
      await expect(pinSymbolicDims(part, shape)).rejects.toThrow(/truncated protobuf/);
      await expect(readOnnxIO(part)).rejects.toThrow(/^not an ONNX model \(truncated protobuf/);
    }
  });
});

/** A small model built with onnx-proto: one image input, one output, optionally an initializer listed as input. */
function model(input: ProtoDim[], output: ProtoDim[], initializerInput?: ProtoDim[]): Uint8Array {
  const tensor = (name: string, dim: ProtoDim[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim } } } });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'onnx-wire.test',
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        initializer: initializerInput ? [{ name: 'w', dims: [2], dataType: 1, rawData: new Uint8Array(8).fill(7) }] : [],
        input: [tensor('x', input), ...(initializerInput ? [tensor('w', initializerInput)] : [])],
        output: [tensor('y', output)],
      },
    }),
  ).finish();
}

describe('wire format edge cases', () => {
  it('decodes int64 varints, 10-byte negatives included (dim_value -1)', () => {
    const b = model([{ dimValue: -1 }, { dimValue: 3 }, { dimValue: 2 ** 40 }, { dimValue: -(2 ** 40) }, { dimValue: 0 }], [{ dimValue: -1 }]);
    const graph = readModelGraph(b)!;
    expect(graph.input[0]!.dims).toEqual([{ value: -1 }, { value: 3 }, { value: 2 ** 40 }, { value: -(2 ** 40) }, { value: 0 }]);
    expect(graph.output[0]!.dims).toEqual([{ value: -1 }]);
    // -1 as protobuf writes it: ten bytes, all continuation but the last.
    const minusOne = new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const [f] = readFields(minusOne);
    expect(varintOf(minusOne, f!)).toBe(-1);
    expect(f!.end).toBe(11);
  });

  it('encodes varints past 2^31 and round-trips them', () => {
    for (const n of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1]) {
      const b = new Uint8Array([0x08, ...encodeVarint(n)]);
      expect(varintOf(b, readFields(b)[0]!)).toBe(n);
    }
    expect(() => encodeVarint(-1)).toThrow();
  });

  it('leaves a set dim_value alone, even -1 or 0: nothing symbolic gives the very same object', async () => {
    const b = model([{ dimValue: -1 }, { dimValue: 3 }, { dimValue: 0 }], [{ dimValue: 1 }, { dimValue: 5 }]);
    expect(await pinSymbolicDims(b, [1, 3, 8])).toBe(b);
    expect((await readOnnxIO(b)).inputs[0]!.dims).toEqual([null, 3, null]);
  });

  it('drops dim_param where it sets a value, keeps denotation, and leaves an initializer listed as input as it was', async () => {
    const b = model(
      [{ dimParam: 'N' }, { dimValue: 3 }, {}, { dimParam: 'W', denotation: 'DATA_FEATURE' }, { dimParam: 'extra' }],
      [{ dimParam: 'batch' }, { dimParam: 'classes' }],
      [{ dimParam: 'n' }],
    );
    const pinned = decode(await pinSymbolicDims(b, [1, 3, 8, 16]));
    const graph = graphOf(pinned);
    const [x, w] = graph.input.map(protoValue);
    expect(x!.dims).toEqual([{ value: 1 }, { value: 3 }, { value: 8 }, { value: 16 }, { param: 'extra' }]);
    expect(graph.input[0]!.type!.tensorType!.shape!.dim![3]!.denotation).toBe('DATA_FEATURE');
    expect(w!.dims).toEqual([{ param: 'n' }]);
    expect(protoValue(graph.output[0]!).dims).toEqual([{ value: 1 }, { param: 'classes' }]);
    expect(Buffer.compare(tensors(graph)[0]!.rawData, new Uint8Array(8).fill(7))).toBe(0);
    expect(pinned.producerName).toBe('onnx-wire.test');
    expect((await readOnnxIO(b)).inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('rejects groups, invalid wire types, truncated varints and lengths with a clear Error', async () => {
    expect(() => readFields(new Uint8Array([0x0b]))).toThrow(/group \(wire type 3\)/);
    expect(() => readFields(new Uint8Array([0x0c]))).toThrow(/group \(wire type 4\)/);
    expect(() => readFields(new Uint8Array([0x0e]))).toThrow(/invalid wire type 6/);
    expect(() => readFields(new Uint8Array([0x08, 0x80]))).toThrow(/truncated protobuf: varint/);
    expect(() => readFields(new Uint8Array([0x3a, 0x05, 0x00]))).toThrow(/truncated protobuf: field 7/);
    expect(() => readFields(new Uint8Array([0x08, ...new Array<number>(11).fill(0x80)]))).toThrow(/longer than 10 bytes/);
    // The graph with the wrong wire type: not silently read as something else.
    await expect(readOnnxIO(new Uint8Array([0x38, 0x01]))).rejects.toThrow(/^not an ONNX model \(.*wire type 0, expected 2/);
    await expect(readOnnxIO(new TextEncoder().encode('not a model at all'))).rejects.toThrow(/^not an ONNX model/);
    await expect(readOnnxIO(new Uint8Array([0x08, 0x07]))).rejects.toThrow('not an ONNX model (no graph)');
  });
});
