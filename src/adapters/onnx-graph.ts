/**
 * Reads an ONNX model's graph inputs and outputs (name, element type, dims)
 * with src/onnx/wire.ts: no protobuf runtime, so nothing eval-based in a
 * browser bundle, and the weights are skipped by length, not decoded.
 * Initializers that are also listed as graph inputs (old exporters) are
 * skipped, so `inputs` are the real feeds.
 */
import { type Graph, type ValueInfo, readModelGraph } from '../onnx/wire.js';

/** A dimension: a fixed size, or the symbolic name / null of a dynamic one. */
export type OnnxDim = number | string | null;

export interface OnnxValue {
  name: string;
  /** ONNX TensorProto.DataType: 1 float, 10 float16, 11 double, 2 uint8, 7 int64... (0: not a tensor). */
  elemType: number;
  dims: OnnxDim[];
}

export interface OnnxIO {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Per graph output: the op that computes it (Identity nodes followed back), e.g. 'Softmax'. */
  outputOps: Record<string, string>;
}

const TYPE_NAMES: Record<number, string> = { 0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };

export function onnxTypeName(elemType: number): string {
  return TYPE_NAMES[elemType] ?? `type ${elemType}`;
}

function toValue(info: ValueInfo): OnnxValue {
  // A dim_value on the wire wins (0 or negative: unknown); else the symbolic name, '' read as none.
  const dims = info.dims.map((d): OnnxDim => (d.value !== undefined ? (d.value > 0 ? d.value : null) : d.param || null));
  return { name: info.name, elemType: info.elemType, dims };
}

/** @throws Error when the bytes are not an ONNX model */
export async function readOnnxIO(bytes: Uint8Array): Promise<OnnxIO> {
  let graph: Graph | undefined;
  try {
    graph = readModelGraph(bytes);
  } catch (error) {
    throw new Error(`not an ONNX model (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!graph) throw new Error('not an ONNX model (no graph)');
  const initializers = new Set(graph.initializer);
  const producer = new Map<string, { op: string; input: string }>();
  for (const node of graph.node) for (const out of node.output) producer.set(out, { op: node.opType, input: node.input[0] ?? '' });
  const outputOps: Record<string, string> = {};
  for (const out of graph.output) {
    let p = producer.get(out.name);
    for (let hops = 0; p && p.op === 'Identity' && hops < 100; hops++) p = producer.get(p.input);
    if (p) outputOps[out.name] = p.op;
  }
  return {
    outputOps,
    inputs: graph.input.filter((i) => !initializers.has(i.name)).map(toValue),
    outputs: graph.output.map(toValue),
  };
}

export function formatDims(dims: readonly OnnxDim[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
