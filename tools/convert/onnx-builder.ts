/**
 * A small ONNX graph builder: nodes, float/int64 initializers, value names.
 * Serialisation is onnx-proto's (protobufjs static code), never hand-written
 * protobuf. Initializers stay mutable Float32Arrays until `build`, so a pass
 * like BatchNorm folding can rewrite conv weights in place.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attributes: Record<string, number | number[] | string>;
}

export interface GraphIO {
  name: string;
  /** number = fixed, string = symbolic (e.g. 'batch'). */
  dims: (number | string)[];
}

function attribute(name: string, value: number | number[] | string): InstanceType<typeof onnx.AttributeProto> {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
  if (Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: A.INT, i: value });
  return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value });
}

function valueInfo(io: GraphIO): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name: io.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export class OnnxGraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers = new Map<string, Initializer>();
  #counter = 0;

  /** A fresh value name derived from `base`. */
  unique(base: string): string {
    return `${base.replace(/[^\w./-]/g, '_')}__${this.#counter++}`;
  }

  addFloat(name: string, dims: number[], data: Float32Array): string {
    this.initializers.set(name, { name, dims, data });
    return name;
  }

  addInt64(name: string, values: number[]): string {
    this.initializers.set(name, { name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  /** Adds a node with one output and returns the output's name. */
  node(op: string, inputs: string[], base: string, attributes: NodeSpec['attributes'] = {}): string {
    const output = this.unique(base);
    this.nodes.push({ op, inputs, outputs: [output], name: this.unique(`${op}_${base}`), attributes });
    return output;
  }

  /** The node that produced `value`, for rewriting passes. */
  producer(value: string): NodeSpec | undefined {
    return this.nodes.find((n) => n.outputs.includes(value));
  }

  build(input: GraphIO, output: GraphIO, opts: { graphName: string; opset: number; docString?: string }): Uint8Array {
    const initializer = [...this.initializers.values()].map((init) => {
      const isFloat = init.data instanceof Float32Array;
      const raw = new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength).slice();
      return onnx.TensorProto.create({
        name: init.name,
        dims: init.dims,
        dataType: isFloat ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
        rawData: raw,
      });
    });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'inpage-classifier',
      producerVersion: '1',
      docString: opts.docString ?? '',
      opsetImport: [{ domain: '', version: opts.opset }],
      graph: {
        name: opts.graphName,
        node: this.nodes.map((n) => onnx.NodeProto.create({ opType: n.op, input: n.inputs, output: n.outputs, name: n.name, attribute: Object.entries(n.attributes).map(([k, v]) => attribute(k, v)) })),
        initializer,
        input: [valueInfo(input)],
        output: [valueInfo(output)],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
