/**
 * Rewrites symbolic tensor dimensions (e.g. `batch_size`) to a fixed value in
 * an ONNX model's bytes. onnxruntime-web's WebGL EP cannot run a model whose
 * input has a symbolic dim, and its freeDimensionOverrides option does not
 * reach that EP. Protobuf handled by onnx-proto (protobufjs static code),
 * imported only on this rung.
 */
type Dim = { dimValue?: number | { toNumber(): number } | null; dimParam?: string | null };
type ValueInfo = { type?: { tensorType?: { shape?: { dim?: Dim[] | null } | null } | null } | null };

function pin(values: ValueInfo[] | null | undefined, value: number): number {
  let changed = 0;
  for (const info of values ?? []) {
    for (const dim of info.type?.tensorType?.shape?.dim ?? []) {
      const hasValue = Object.prototype.hasOwnProperty.call(dim, 'dimValue');
      if (!hasValue) {
        // dimValue/dimParam are a oneof: drop the param so only the value is encoded.
        delete dim.dimParam;
        dim.dimValue = value;
        changed++;
      }
    }
  }
  return changed;
}

/** @returns the model bytes with every symbolic input/output dim set to `value` (unchanged bytes if none). */
export async function pinSymbolicDims(bytes: Uint8Array, value: number): Promise<Uint8Array> {
  const mod = (await import('onnx-proto')) as unknown as { onnx?: typeof import('onnx-proto').onnx; default?: { onnx: typeof import('onnx-proto').onnx } };
  const onnx = mod.onnx ?? mod.default!.onnx;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return bytes;
  const changed = pin(graph.input as ValueInfo[], value) + pin(graph.output as ValueInfo[], value);
  return changed === 0 ? bytes : onnx.ModelProto.encode(model).finish();
}
