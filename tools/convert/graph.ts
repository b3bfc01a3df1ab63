/**
 * tfjs-graph (TF GraphDef JSON + weights) → ONNX, for the TF ops that
 * tfjs-converter emits for image classifiers (nsfwjs MobileNet, @vladmandic/human's
 * emotion model and their siblings): Placeholder, Const, Identity,
 * Mul/Sub/AddV2/Add/BiasAdd (value ⊕ value, or value ⊕ broadcastable constant),
 * _FusedConv2D / Conv2D / FusedDepthwiseConv2dNative / DepthwiseConv2dNative
 * (SAME, VALID and EXPLICIT padding; fused BiasAdd + Relu/Relu6/Elu/Sigmoid/Tanh/LeakyRelu/Prelu),
 * AvgPool/MaxPool, Squeeze, Mean/Sum/Max/Min/Prod over constant axes (with or without keep_dims),
 * _FusedMatMul/MatMul, Softmax, Relu/Relu6/Elu/Sigmoid/Tanh/LeakyRelu.
 * Same layout strategy as the layers converter: NHWC input, NCHW inside (4-D
 * values); values of other ranks keep TF's layout.
 * Before converting, every node is checked: all unsupported ops (and fused-op
 * combinations) are reported together in one error, with counts.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, UnsupportedLayerError } from './layers.js';
import { OnnxGraphBuilder } from './onnx-builder.js';
import { type Padding, spatial, type TensorValue } from './tensor-value.js';

interface TfAttr {
  list?: { i?: string[]; s?: string[] };
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  shape?: { dim?: { size: string }[] };
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

export interface GraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

interface Constant {
  data: ArrayLike<number>;
  shape: number[];
}

const text = (b64?: string) => (b64 ? atob(b64) : '');
const ints = (node: TfNode, key: string) => (node.attr?.[key]?.list?.i ?? []).map(Number);
const inputName = (ref: string) => ref.replace(/^\^/, '').split(':')[0]!;
/** Data inputs only: `^name` is a control dependency, not a value. */
const dataInputs = (node: TfNode) => (node.input ?? []).filter((ref) => !ref.startsWith('^'));

function fusedOps(node: TfNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map(text);
}

const ELEMENTWISE = ['Mul', 'Sub', 'AddV2', 'Add', 'BiasAdd'];
const CONV = ['_FusedConv2D', 'Conv2D', 'FusedDepthwiseConv2dNative', 'DepthwiseConv2dNative'];
const MATMUL = ['_FusedMatMul', 'MatMul'];
const REDUCE: Record<string, string> = { Mean: 'ReduceMean', Sum: 'ReduceSum', Max: 'ReduceMax', Min: 'ReduceMin', Prod: 'ReduceProd' };
const UNARY: Record<string, string> = { Relu: 'relu', Relu6: 'relu6', Elu: 'elu', Sigmoid: 'sigmoid', Tanh: 'tanh' };
/** Ops the converter handles (by op type; their attributes are checked while converting). */
export const SUPPORTED_GRAPH_OPS: readonly string[] = [
  'Const', 'Placeholder', 'Identity', 'NoOp', ...ELEMENTWISE, ...CONV, 'AvgPool', 'MaxPool', 'Squeeze', ...Object.keys(REDUCE), ...MATMUL, 'Softmax', 'LeakyRelu', ...Object.keys(UNARY),
];
/** Fused ops allowed in _FusedConv2D / FusedDepthwiseConv2dNative / _FusedMatMul. */
const FUSED_OK = ['BiasAdd', 'Relu', 'Relu6', 'Elu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Prelu'];

/**
 * Every node the converter cannot handle, grouped by op (fused ops as
 * `_FusedConv2D[BiasAdd+FusedBatchNorm]`). Empty when the graph is convertible op-wise.
 */
export function unsupportedOps(nodes: TfNode[]): { op: string; count: number; nodes: string[] }[] {
  const found = new Map<string, string[]>();
  const add = (key: string, node: string) => found.set(key, [...(found.get(key) ?? []), node]);
  for (const node of nodes) {
    if (!SUPPORTED_GRAPH_OPS.includes(node.op)) add(node.op, node.name);
    else {
      const fused = fusedOps(node);
      const activations = fused.filter((o) => o !== 'BiasAdd');
      if (fused.some((o) => !FUSED_OK.includes(o)) || activations.length > 1) add(`${node.op}[${fused.join('+')}]`, node.name);
    }
  }
  return [...found].map(([op, names]) => ({ op, count: names.length, nodes: names })).sort((a, b) => b.count - a.count || a.op.localeCompare(b.op));
}

function unsupportedError(list: { op: string; count: number; nodes: string[] }[]): UnsupportedLayerError {
  const total = list.reduce((s, u) => s + u.count, 0);
  const items = list.map((u) => `${u.op} ×${u.count} (e.g. node "${u.nodes[0]}" has op ${u.op})`);
  return new UnsupportedLayerError(
    `the graph converter does not support ${list.length} op type${list.length === 1 ? '' : 's'} used by ${total} node${total === 1 ? '' : 's'}: ${items.join('; ')}. ` +
      `Supported ops: ${SUPPORTED_GRAPH_OPS.join(', ')}; fused ops: ${FUSED_OK.join(', ')} (BiasAdd plus at most one activation).`,
  );
}

/** NHWC axis → NCHW axis for 4-D values. */
const NHWC_TO_NCHW = [0, 2, 3, 1];
const tfShape = (x: TensorValue) => (x.shape.length === 4 ? [x.shape[0]!, x.shape[2]!, x.shape[3]!, x.shape[1]!] : x.shape);

/** TF graph JSON lists nodes in any order: visit each node's inputs first. */
export function topologicalOrder(nodes: TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const order: TfNode[] = [];
  const visiting = new Set<string>();
  const visit = (node: TfNode) => {
    if (done.has(node.name)) return;
    if (visiting.has(node.name)) throw new UnsupportedLayerError(`graph has a cycle through "${node.name}"`);
    visiting.add(node.name);
    // Iterative enough for MobileNet-size graphs; recursion depth = graph depth.
    for (const ref of node.input ?? []) {
      const dep = byName.get(inputName(ref));
      if (dep) visit(dep);
    }
    visiting.delete(node.name);
    done.add(node.name);
    order.push(node);
  };
  nodes.forEach(visit);
  return order;
}

export async function convertGraphModel(json: GraphModelJson, weightData: ArrayBuffer, options: { opset?: number } = {}): Promise<Uint8Array> {
  const unsupported = unsupportedOps(json.modelTopology.node);
  if (unsupported.length > 0) throw unsupportedError(unsupported);
  const opset = options.opset ?? 13;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const decoded = tf.io.decodeWeights(weightData, specs);
  const consts = new Map<string, Constant>(Object.entries(decoded).map(([name, t]) => [name, { data: t.dataSync() as ArrayLike<number>, shape: t.shape }]));
  const g = new OnnxGraphBuilder();
  const values = new Map<string, TensorValue>();
  const constOf = (ref: string, node: TfNode) => {
    const c = consts.get(inputName(ref));
    if (!c) throw new UnsupportedLayerError(`node "${node.name}": input ${ref} must be a constant (weights)`);
    return c;
  };
  const valueOf = (ref: string, node: TfNode) => {
    const v = values.get(inputName(ref));
    if (!v) throw new UnsupportedLayerError(`node "${node.name}" reads "${ref}", which is not converted yet (graph out of order?)`);
    return v;
  };
  /** A TF constant as an ONNX initializer laid out to broadcast against `like` (NCHW when `like` is 4-D). */
  const broadcastConst = (c: Constant, like: TensorValue, node: TfNode): TensorValue => {
    const name = g.unique(`${node.name}/const`);
    const rank = like.shape.length;
    if (c.shape.length > Math.max(rank, 0) || rank !== 4 || c.shape.length === 0) {
      return { name: g.addFloat(name, c.shape, Float32Array.from(c.data)), shape: c.shape };
    }
    const [a, b, d, e] = [...new Array(4 - c.shape.length).fill(1), ...c.shape] as [number, number, number, number]; // NHWC
    const out = new Float32Array(a * b * d * e);
    for (let n = 0; n < a; n++) for (let h = 0; h < b; h++) for (let w = 0; w < d; w++) for (let ch = 0; ch < e; ch++) {
      out[((n * e + ch) * b + h) * d + w] = c.data[((n * b + h) * d + w) * e + ch]!;
    }
    const shape = [a, e, b, d];
    return { name: g.addFloat(name, shape, out), shape };
  };
  /** Fused activation after BiasAdd (LeakyRelu and Prelu need the node's attrs / extra input). */
  const fusedActivation = (node: TfNode, x: TensorValue): TensorValue => {
    const act = fusedOps(node).find((o) => o !== 'BiasAdd');
    if (!act) return x;
    if (act === 'LeakyRelu') return { name: g.node('LeakyRelu', [x.name], node.name, { alpha: node.attr?.leakyrelu_alpha?.f ?? 0.2 }), shape: x.shape };
    if (act === 'Prelu') {
      const ins = dataInputs(node);
      const alpha = broadcastConst(constOf(ins[fusedOps(node).includes('BiasAdd') ? 3 : 2]!, node), x, node);
      return { name: g.node('PRelu', [x.name, alpha.name], node.name), shape: x.shape };
    }
    return activation(g, x, UNARY[act]!, node.name);
  };
  const padding = (node: TfNode): Padding | 'explicit' => {
    const p = text(node.attr?.padding?.s).toLowerCase();
    if (p !== 'same' && p !== 'valid' && p !== 'explicit') throw new UnsupportedLayerError(`node "${node.name}": padding ${p || '(none)'} is not supported`);
    return p;
  };
  const requireNhwc = (node: TfNode) => {
    const format = text(node.attr?.data_format?.s);
    if (format && format !== 'NHWC') throw new UnsupportedLayerError(`node "${node.name}": data_format ${format} is not supported (only NHWC)`);
  };
  /** [out, before, after] of one spatial axis under SAME/VALID/EXPLICIT padding. */
  const axis = (node: TfNode, pad: Padding | 'explicit', tfAxis: 1 | 2, size: number, k: number, s: number, d: number) => {
    if (pad !== 'explicit') return spatial(size, k, s, d, pad);
    const explicit = ints(node, 'explicit_paddings'); // NHWC pairs: [0,0, top,bottom, left,right, 0,0]
    const before = explicit[tfAxis * 2] ?? 0;
    const after = explicit[tfAxis * 2 + 1] ?? 0;
    return { out: Math.floor((size + before + after - ((k - 1) * d + 1)) / s) + 1, before, after };
  };
  let input: { name: string; dims: (number | string)[] } | undefined;
  let last: TensorValue | undefined;

  for (const node of topologicalOrder(json.modelTopology.node)) {
    const ins = dataInputs(node);
    const set = (v: TensorValue) => {
      values.set(node.name, v);
      last = v;
    };
    switch (node.op) {
      case 'Const':
      case 'NoOp':
        break; // consts are read through constOf by their consumers
      case 'Placeholder': {
        const dims = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4) throw new UnsupportedLayerError(`placeholder "${node.name}" must be 4-D NHWC`);
        if (input) throw new UnsupportedLayerError(`graph has more than one Placeholder ("${input.name}", "${node.name}"); only single-input classifiers are supported`);
        const [, h, w, c] = dims as [number, number, number, number];
        input = { name: node.name, dims: ['batch', h, w, c] };
        set({ name: g.node('Transpose', [node.name], 'input_to_nchw', { perm: [0, 3, 1, 2] }), shape: ['batch', c, h, w] });
        break;
      }
      case 'Identity': {
        const c = consts.get(inputName(ins[0]!));
        if (c && !values.has(inputName(ins[0]!))) consts.set(node.name, c); // Identity of a weight stays a weight
        else set(valueOf(ins[0]!, node));
        break;
      }
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add':
      case 'BiasAdd': {
        const op = node.op === 'Mul' ? 'Mul' : node.op === 'Sub' ? 'Sub' : 'Add';
        const like = ins.map((ref) => values.get(inputName(ref))).find((v) => v !== undefined);
        if (!like) throw new UnsupportedLayerError(`node "${node.name}": ${node.op} of two constants is not supported`);
        if (node.op === 'BiasAdd') requireNhwc(node);
        const operands = ins.map((ref) => (values.has(inputName(ref)) ? valueOf(ref, node) : broadcastConst(constOf(ref, node), like, node)));
        const shape = operands.reduce((best, o) => (o.shape.length > best.shape.length ? o : best), like).shape;
        set({ name: g.node(op, operands.map((o) => o.name), node.name), shape });
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2dNative':
      case 'DepthwiseConv2dNative': {
        requireNhwc(node);
        const depthwise = node.op.includes('Depthwise');
        const x = valueOf(ins[0]!, node);
        if (x.shape.length !== 4) throw new UnsupportedLayerError(`node "${node.name}": input must be 4-D, got rank ${x.shape.length}`);
        const [n, cin, h, w] = x.shape as [string, number, number, number];
        const k = constOf(ins[1]!, node);
        const [kh, kw, kin, kout] = k.shape as [number, number, number, number];
        const [, sh, sw] = ints(node, 'strides');
        const dil = ints(node, 'dilations');
        const [dh, dw] = [dil[1] ?? 1, dil[2] ?? 1];
        const pad = padding(node);
        // Grouped (non-depthwise) convs: filter in-channels < input channels.
        const group = depthwise ? cin : cin / kin;
        if (!Number.isInteger(group)) throw new UnsupportedLayerError(`node "${node.name}": filter has ${kin} input channels for a ${cin}-channel input`);
        const cout = depthwise ? kin * kout : kout;
        const W = new Float32Array(cout * (depthwise ? 1 : kin) * kh * kw);
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < kin; c++) for (let o = 0; o < kout; o++) {
          const src = k.data[((i * kw + j) * kin + c) * kout + o]!;
          if (depthwise) W[((c * kout + o) * kh + i) * kw + j] = src;
          else W[((o * kin + c) * kh + i) * kw + j] = src;
        }
        const y = axis(node, pad, 1, h, kh, sh!, dh);
        const xw = axis(node, pad, 2, w, kw, sw!, dw);
        const inputs = [x.name, g.addFloat(`${node.name}/W`, depthwise ? [cout, 1, kh, kw] : [cout, kin, kh, kw], W)];
        if (fusedOps(node).includes('BiasAdd')) inputs.push(g.addFloat(`${node.name}/B`, [cout], Float32Array.from(constOf(ins[2]!, node).data)));
        const out = g.node('Conv', inputs, node.name, { kernel_shape: [kh, kw], strides: [sh!, sw!], dilations: [dh, dw], pads: [y.before, xw.before, y.after, xw.after], group });
        set(fusedActivation(node, { name: out, shape: [n, cout, y.out, xw.out] }));
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        requireNhwc(node);
        const x = valueOf(ins[0]!, node);
        const [n, c, h, w] = x.shape as [string, number, number, number];
        const [kn, kh, kw, kc] = ints(node, 'ksize');
        const [sn, sh, sw, sc] = ints(node, 'strides');
        if (kn !== 1 || kc !== 1 || sn !== 1 || sc !== 1) throw new UnsupportedLayerError(`node "${node.name}": pooling over the batch or channel axis is not supported`);
        const pad = padding(node);
        if (pad === 'explicit') throw new UnsupportedLayerError(`node "${node.name}": explicit padding in ${node.op} is not supported`);
        const y = spatial(h, kh!, sh!, 1, pad);
        const xw = spatial(w, kw!, sw!, 1, pad);
        // ONNX MaxPool ignores padded cells; AveragePool's count_include_pad = 0 (default) matches TF SAME.
        const out = g.node(node.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [x.name], node.name, { kernel_shape: [kh!, kw!], strides: [sh!, sw!], pads: [y.before, xw.before, y.after, xw.after] });
        set({ name: out, shape: [n, c, y.out, xw.out] });
        break;
      }
      case 'Squeeze': {
        const x = valueOf(ins[0]!, node);
        const dims = ints(node, 'squeeze_dims');
        const [n, c, h, w] = x.shape as [string, number, number, number];
        if (x.shape.length !== 4 || dims.join() !== '1,2' || h !== 1 || w !== 1) throw new UnsupportedLayerError(`node "${node.name}": only squeezing 1x1 spatial dims is supported`);
        set({ name: g.node('Flatten', [x.name], node.name, { axis: 1 }), shape: [n, c] });
        break;
      }
      case 'Mean':
      case 'Sum':
      case 'Max':
      case 'Min':
      case 'Prod': {
        const onnxOp = REDUCE[node.op]!;
        let x = valueOf(ins[0]!, node);
        const rank = x.shape.length;
        const axesConst = consts.get(inputName(ins[1] ?? ''));
        if (!axesConst) throw new UnsupportedLayerError(`node "${node.name}": ${node.op} axes (input ${ins[1]}) must be a constant`);
        const tfAxes = [...new Set(Array.from(axesConst.data, (a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
        if (tfAxes.some((a) => a < 0 || a >= rank)) throw new UnsupportedLayerError(`node "${node.name}": ${node.op} axes ${Array.from(axesConst.data).join(',')} out of range for rank ${rank}`);
        if (tfAxes.length === 0) {
          set(x); // TF: reducing over no axes is the identity
          break;
        }
        const keep = node.attr?.keep_dims?.b === true;
        const tfIn = tfShape(x);
        let axes = tfAxes;
        if (rank === 4) {
          // 4-D values are NCHW inside. keep_dims keeps them 4-D (NCHW). Otherwise the result
          // has TF's layout: reduce in NCHW when the kept axes come out in TF order, else go back to NHWC first.
          const kept = [0, 1, 2, 3].filter((a) => !tfAxes.includes(a)).map((a) => NHWC_TO_NCHW[a]!);
          const inOrder = kept.every((a, i) => i === 0 || a > kept[i - 1]!);
          if (keep || inOrder) axes = tfAxes.map((a) => NHWC_TO_NCHW[a]!).sort((a, b) => a - b);
          else x = { name: g.node('Transpose', [x.name], `${node.name}/to_nhwc`, { perm: [0, 2, 3, 1] }), shape: tfIn };
        }
        const axesAsInput = opset >= (onnxOp === 'ReduceSum' ? 13 : 18);
        const inputs = axesAsInput ? [x.name, g.addInt64(g.unique(`${node.name}/axes`), axes)] : [x.name];
        const attrs: Record<string, number | number[]> = { keepdims: keep ? 1 : 0 };
        if (!axesAsInput) attrs.axes = axes;
        const out = g.node(onnxOp, inputs, node.name, attrs);
        const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : tfIn.filter((_, i) => !tfAxes.includes(i));
        set({ name: out, shape });
        break;
      }
      case '_FusedMatMul':
      case 'MatMul': {
        const x = valueOf(ins[0]!, node);
        if (node.attr?.transpose_a?.b) throw new UnsupportedLayerError(`node "${node.name}": transpose_a is not supported`);
        if (x.shape.length !== 2) throw new UnsupportedLayerError(`node "${node.name}": MatMul input must be 2-D, got rank ${x.shape.length}`);
        const k = constOf(ins[1]!, node);
        const fout = (node.attr?.transpose_b?.b ? k.shape[0] : k.shape[1]) as number;
        const inputs = [x.name, g.addFloat(`${node.name}/W`, k.shape, Float32Array.from(k.data))];
        if (fusedOps(node).includes('BiasAdd')) inputs.push(g.addFloat(`${node.name}/B`, [fout], Float32Array.from(constOf(ins[2]!, node).data)));
        const out = g.node('Gemm', inputs, node.name, { transB: node.attr?.transpose_b?.b ? 1 : 0 });
        set(fusedActivation(node, { name: out, shape: [x.shape[0]!, fout] }));
        break;
      }
      case 'Softmax': {
        const x = valueOf(ins[0]!, node);
        // TF softmax is over the last axis: the channel axis, which is axis 1 of a 4-D NCHW value.
        set({ name: g.node('Softmax', [x.name], node.name, { axis: x.shape.length === 4 ? 1 : x.shape.length - 1 }), shape: x.shape });
        break;
      }
      case 'LeakyRelu': {
        const x = valueOf(ins[0]!, node);
        set({ name: g.node('LeakyRelu', [x.name], node.name, { alpha: node.attr?.alpha?.f ?? 0.2 }), shape: x.shape });
        break;
      }
      case 'Relu':
      case 'Relu6':
      case 'Elu':
      case 'Sigmoid':
      case 'Tanh':
        set(activation(g, valueOf(ins[0]!, node), UNARY[node.op]!, node.name));
        break;
      default:
        // unsupportedOps() keeps this unreachable; kept so a new SUPPORTED_GRAPH_OPS entry without a case fails loudly.
        throw unsupportedError([{ op: node.op, count: 1, nodes: [node.name] }]);
    }
  }
  for (const t of Object.values(decoded)) t.dispose();
  if (!input || !last) throw new UnsupportedLayerError('graph has no Placeholder input or no output');
  // The output: the one converted value nothing reads (else, as before, the last one converted).
  const read = new Set(json.modelTopology.node.flatMap((n) => dataInputs(n).map(inputName)));
  const sinks = [...values.keys()].filter((name) => !read.has(name));
  let out = sinks.length === 1 ? values.get(sinks[0]!)! : last;
  // A 4-D output goes back to TF's NHWC, so it means what the tfjs model's output means.
  if (out.shape.length === 4) out = { name: g.node('Transpose', [out.name], 'output_to_nhwc', { perm: [0, 2, 3, 1] }), shape: tfShape(out) };
  g.nodes.push({ op: 'Identity', inputs: [out.name], outputs: ['probabilities'], name: 'output_identity', attributes: {} });
  return g.build(input, { name: 'probabilities', dims: ['batch', ...out.shape.slice(1)] }, { graphName: 'converted_from_tfjs_graph', opset, docString: 'Converted from a tfjs graph model by inpage-classifier tools/convert' });
}
