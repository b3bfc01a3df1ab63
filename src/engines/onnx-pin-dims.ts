/**
 * Rewrites symbolic tensor dimensions (e.g. `batch_size`) to fixed values in
 * an ONNX model's bytes: the batch to 1, an input's free height/width to the
 * manifest's. onnxruntime-web's WebGL EP cannot run a model whose
 * input has a symbolic dim, and its freeDimensionOverrides option does not
 * reach that EP. Protobuf handled by src/onnx/wire.ts: only the messages on
 * the path ModelProto → graph → input/output → type → tensor_type → shape →
 * dim are re-encoded; everything else (the weights) is copied verbatim.
 */
import { type Chunks, ONNX, type WireField, editField, editMessage, joinChunks, lengthDelimited, messageOf, readValueInfo, stringOf, varintField } from '../onnx/wire.js';

/** A Dimension with dim_value `value`: dim_param dropped (they are a oneof), other fields (denotation) kept. */
function pinnedDim(bytes: Uint8Array, dim: WireField, value: number): Chunks | undefined {
  const fields = messageOf(bytes, dim);
  // A dim with a value (even 0 or -1) is not symbolic: left as the exporter wrote it.
  if (fields.some((f) => f.field === ONNX.Dimension.dimValue)) return undefined;
  const head = varintField(ONNX.Dimension.dimValue, value);
  const rest = fields.filter((f) => f.field !== ONNX.Dimension.dimParam).map((f) => bytes.subarray(f.start, f.end));
  return lengthDelimited(ONNX.Shape.dim, { parts: [head, ...rest], length: rest.reduce((n, p) => n + p.length, head.length) });
}

/** A ValueInfoProto edit setting the symbolic dims of its shape to `fixed[i]` where given (undefined: left symbolic). */
function pinValueInfo(bytes: Uint8Array, fixed: readonly (number | undefined)[]): (f: WireField) => Chunks | undefined {
  const shape = (s: WireField) => {
    let i = 0;
    return editField(bytes, s, (d) => {
      if (d.field !== ONNX.Shape.dim) return undefined;
      const value = fixed[i++];
      return value === undefined ? undefined : pinnedDim(bytes, d, value);
    });
  };
  const tensor = (t: WireField) => editField(bytes, t, (f) => (f.field === ONNX.TypeTensor.shape ? shape(f) : undefined));
  const type = (t: WireField) => editField(bytes, t, (f) => (f.field === ONNX.Type.tensorType ? tensor(f) : undefined));
  return (f) => (f.field === ONNX.ValueInfo.type ? type(f) : undefined);
}

/**
 * @param inputShape - the tensor the classifier feeds, batch 1 first: the inputs' symbolic dims take
 *   its values (a model with free height/width gets the manifest's size, not 1x1); the outputs' batch becomes 1
 * @returns the model bytes with those dims fixed (the same Uint8Array if none were symbolic)
 */
export async function pinSymbolicDims(bytes: Uint8Array, inputShape: readonly number[]): Promise<Uint8Array> {
  const pinGraph = (g: WireField) => {
    const fields = messageOf(bytes, g);
    // Only graph inputs that are not initializers are fed; an initializer listed as input keeps its shape.
    const initializers = new Set<string>();
    for (const f of fields) {
      if (f.field !== ONNX.Graph.initializer) continue;
      const name = messageOf(bytes, f).filter((t) => t.field === ONNX.Tensor.name).pop();
      initializers.add(name ? stringOf(bytes, name) : '');
    }
    const pinInput = pinValueInfo(bytes, inputShape);
    const pinOutput = pinValueInfo(bytes, [1]);
    return editField(bytes, g, (f) => {
      if (f.field === ONNX.Graph.output) return editField(bytes, f, pinOutput);
      if (f.field !== ONNX.Graph.input || initializers.has(readValueInfo(bytes, messageOf(bytes, f)).name)) return undefined;
      return editField(bytes, f, pinInput);
    });
  };
  const model = editMessage(bytes, 0, bytes.length, (f) => (f.field === ONNX.Model.graph ? pinGraph(f) : undefined));
  return model ? joinChunks(model) : bytes;
}
