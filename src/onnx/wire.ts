/**
 * Minimal protobuf wire format for ONNX ModelProto: just enough to read a
 * graph's inputs, outputs, initializer names and nodes, and to rewrite a few
 * fields in place. Hand-written so that no protobuf runtime (protobufjs and
 * its eval-based `inquire`) reaches a browser bundle. Field numbers are
 * onnx.proto's (checked against onnx-proto's generated decoders).
 *
 * Reading never copies: fields are offsets into the caller's bytes, and
 * length-delimited payloads (initializer raw_data, megabytes) are skipped by
 * their length. Rewriting ({@link editMessage}) keeps every untouched field
 * as a view of the original bytes and copies once, in {@link joinChunks}.
 */

/** onnx.proto field numbers, per message. */
export const ONNX = {
  Model: { graph: 7 },
  Graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  Node: { input: 1, output: 2, opType: 4 },
  Tensor: { name: 8 },
  ValueInfo: { name: 1, type: 2 },
  Type: { tensorType: 1 },
  TypeTensor: { elemType: 1, shape: 2 },
  Shape: { dim: 1 },
  Dimension: { dimValue: 1, dimParam: 2 },
} as const;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** One field of a message, as offsets into the buffer it was read from. */
export interface WireField {
  readonly field: number;
  readonly wireType: 0 | 1 | 2 | 5;
  /** The whole field, tag included: `bytes.subarray(start, end)` is it verbatim. */
  readonly start: number;
  readonly end: number;
  /** Where the value starts: after the tag, and for length-delimited fields after the length too (payload = [valueStart, end)). */
  readonly valueStart: number;
}

const TWO_32 = 4294967296;

/** Reads a varint at `pos` (< end): its value as an int64 number (10-byte negatives included) and the offset after it. */
function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } {
  // Low and high 32 bits kept apart so no BigInt is needed; exact while |value| < 2^53 (every dim and length).
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) throw new Error(`truncated protobuf: varint at offset ${pos} runs past ${end}`);
    const b = bytes[pos + i]!;
    const bits = b & 0x7f;
    if (i < 4) lo |= bits << (7 * i);
    else if (i === 4) {
      lo |= bits << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (7 * i - 32);
    if (b < 0x80) {
      lo >>>= 0;
      hi >>>= 0;
      // Two's complement int64, as protobuf encodes a negative int32/int64 (e.g. dim_value -1).
      const value = hi >>> 31 ? -((~lo >>> 0) + 1 + (~hi >>> 0) * TWO_32) : lo + hi * TWO_32;
      return { value, next: pos + i + 1 };
    }
  }
  throw new Error(`malformed protobuf: varint at offset ${pos} is longer than 10 bytes`);
}

/**
 * The fields of the message in `bytes[start, end)`, in wire order.
 * @throws Error on truncated data, a group (wire types 3/4, unused by ONNX) or an invalid wire type
 */
export function readFields(bytes: Uint8Array, start = 0, end = bytes.length): WireField[] {
  const fields: WireField[] = [];
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end);
    if (tag.value < 0 || tag.value >= TWO_32) throw new Error(`malformed protobuf: tag ${tag.value} at offset ${pos}`);
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (field === 0) throw new Error(`malformed protobuf: field number 0 at offset ${pos}`);
    let valueStart = tag.next;
    let next: number;
    switch (wireType) {
      case WIRE_VARINT:
        next = readVarint(bytes, valueStart, end).next;
        break;
      case WIRE_FIXED64:
        next = valueStart + 8;
        break;
      case WIRE_FIXED32:
        next = valueStart + 4;
        break;
      case WIRE_LEN: {
        const length = readVarint(bytes, valueStart, end);
        if (length.value < 0) throw new Error(`malformed protobuf: negative length for field ${field} at offset ${pos}`);
        valueStart = length.next;
        next = valueStart + length.value;
        break;
      }
      case 3:
      case 4:
        throw new Error(`unsupported protobuf: field ${field} at offset ${pos} is a group (wire type ${wireType})`);
      default:
        throw new Error(`malformed protobuf: invalid wire type ${wireType} for field ${field} at offset ${pos}`);
    }
    if (next > end) throw new Error(`truncated protobuf: field ${field} at offset ${pos} needs ${next - pos} bytes, ${end - pos} left`);
    // The switch above threw for every wire type but these four.
    fields.push({ field, wireType: wireType as WireField['wireType'], start: pos, end: next, valueStart });
    pos = next;
  }
  return fields;
}

function expectWire(f: WireField, wireType: number): void {
  if (f.wireType !== wireType) throw new Error(`malformed protobuf: field ${f.field} at offset ${f.start} has wire type ${f.wireType}, expected ${wireType}`);
}

/** A varint field's value (int64/int32/enum; two's complement negatives decoded). */
export function varintOf(bytes: Uint8Array, f: WireField): number {
  expectWire(f, WIRE_VARINT);
  return readVarint(bytes, f.valueStart, f.end).value;
}

let utf8: TextDecoder | undefined;

/** A string field's value. Invalid UTF-8 is replaced, not thrown, as protobufjs does. */
export function stringOf(bytes: Uint8Array, f: WireField): string {
  expectWire(f, WIRE_LEN);
  utf8 ??= new TextDecoder();
  return utf8.decode(bytes.subarray(f.valueStart, f.end));
}

/** The fields of an embedded message field. */
export function messageOf(bytes: Uint8Array, f: WireField): WireField[] {
  expectWire(f, WIRE_LEN);
  return readFields(bytes, f.valueStart, f.end);
}

/** A length-delimited field's payload, as a view (no copy). */
export function bytesOf(bytes: Uint8Array, f: WireField): Uint8Array {
  expectWire(f, WIRE_LEN);
  return bytes.subarray(f.valueStart, f.end);
}

// ---- ONNX reading: the subset of ModelProto the library needs ----

export interface Dimension {
  /** Present iff dim_value is on the wire (0 and negatives included). */
  value?: number;
  param?: string;
}

export interface ValueInfo {
  name: string;
  /** TypeProto.Tensor.elem_type; 0 when not a tensor. */
  elemType: number;
  /** TensorShapeProto.dim; empty when the shape is unknown. */
  dims: Dimension[];
}

export interface Node {
  input: string[];
  output: string[];
  opType: string;
}

export interface Graph {
  name: string;
  node: Node[];
  /** TensorProto.name of each initializer ('' when unnamed). */
  initializer: string[];
  input: ValueInfo[];
  output: ValueInfo[];
}

/** The last occurrence of a singular field: protobufjs (and so the code this replaces) keeps the last. */
function last(fields: readonly WireField[], field: number): WireField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.field === field) return fields[i];
  return undefined;
}

/** The dims of a TensorShapeProto's fields. */
export function readDims(bytes: Uint8Array, shape: readonly WireField[]): Dimension[] {
  const dims: Dimension[] = [];
  for (const f of shape) {
    if (f.field !== ONNX.Shape.dim) continue;
    const dim: Dimension = {};
    for (const d of messageOf(bytes, f)) {
      if (d.field === ONNX.Dimension.dimValue) dim.value = varintOf(bytes, d);
      else if (d.field === ONNX.Dimension.dimParam) dim.param = stringOf(bytes, d);
    }
    dims.push(dim);
  }
  return dims;
}

export function readValueInfo(bytes: Uint8Array, fields: readonly WireField[]): ValueInfo {
  const name = last(fields, ONNX.ValueInfo.name);
  const type = last(fields, ONNX.ValueInfo.type);
  const tensorField = type && last(messageOf(bytes, type), ONNX.Type.tensorType);
  const tensor = tensorField ? messageOf(bytes, tensorField) : [];
  const elemType = last(tensor, ONNX.TypeTensor.elemType);
  const shape = last(tensor, ONNX.TypeTensor.shape);
  return {
    name: name ? stringOf(bytes, name) : '',
    elemType: elemType ? varintOf(bytes, elemType) : 0,
    dims: shape ? readDims(bytes, messageOf(bytes, shape)) : [],
  };
}

function readNode(bytes: Uint8Array, fields: readonly WireField[]): Node {
  const node: Node = { input: [], output: [], opType: '' };
  for (const f of fields) {
    if (f.field === ONNX.Node.input) node.input.push(stringOf(bytes, f));
    else if (f.field === ONNX.Node.output) node.output.push(stringOf(bytes, f));
    else if (f.field === ONNX.Node.opType) node.opType = stringOf(bytes, f);
  }
  return node;
}

/** TensorProto.name only: the tensor's data (raw_data, float_data...) is skipped by length, never decoded. */
function readTensorName(bytes: Uint8Array, fields: readonly WireField[]): string {
  const name = last(fields, ONNX.Tensor.name);
  return name ? stringOf(bytes, name) : '';
}

export function readGraph(bytes: Uint8Array, fields: readonly WireField[]): Graph {
  const graph: Graph = { name: '', node: [], initializer: [], input: [], output: [] };
  for (const f of fields) {
    switch (f.field) {
      case ONNX.Graph.node:
        graph.node.push(readNode(bytes, messageOf(bytes, f)));
        break;
      case ONNX.Graph.name:
        graph.name = stringOf(bytes, f);
        break;
      case ONNX.Graph.initializer:
        graph.initializer.push(readTensorName(bytes, messageOf(bytes, f)));
        break;
      case ONNX.Graph.input:
        graph.input.push(readValueInfo(bytes, messageOf(bytes, f)));
        break;
      case ONNX.Graph.output:
        graph.output.push(readValueInfo(bytes, messageOf(bytes, f)));
        break;
    }
  }
  return graph;
}

/**
 * Decodes a ModelProto's graph (the subset above).
 * @returns undefined when the model has no graph
 * @throws Error when the bytes are not valid protobuf, or a known field has the wrong wire type
 */
export function readModelGraph(bytes: Uint8Array): Graph | undefined {
  const graph = last(readFields(bytes), ONNX.Model.graph);
  return graph && readGraph(bytes, messageOf(bytes, graph));
}

// ---- Rewriting: new messages as lists of chunks, untouched fields as views ----

/** Encoded bytes as a list of parts (views of the input or small new arrays), joined once at the end. */
export interface Chunks {
  parts: Uint8Array[];
  length: number;
}

/** A non-negative integer (< 2^53) as a varint. */
export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`cannot encode ${n} as an unsigned varint`);
  const out: number[] = [];
  // Division, not bit shifts: shifts would truncate values of 2^31 and above.
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** A varint field (non-negative value), e.g. Dimension.dim_value. */
export function varintField(field: number, value: number): Uint8Array {
  const tag = encodeVarint(field * 8 + WIRE_VARINT);
  const v = encodeVarint(value);
  const out = new Uint8Array(tag.length + v.length);
  out.set(tag);
  out.set(v, tag.length);
  return out;
}

/** A length-delimited field around `payload`: tag and the length recomputed, the payload's parts kept. */
export function lengthDelimited(field: number, payload: Chunks): Chunks {
  const head = new Uint8Array([...encodeVarint(field * 8 + WIRE_LEN), ...encodeVarint(payload.length)]);
  return { parts: [head, ...payload.parts], length: head.length + payload.length };
}

/**
 * Rewrites the message in `bytes[start, end)` field by field: `edit` returns a field's
 * replacement (encoded with its tag, possibly empty to drop it) or undefined to keep it verbatim.
 * Runs of kept fields stay one view each, so a graph's thousands of nodes cost nothing.
 * @returns the new message, or undefined when `edit` changed nothing
 */
export function editMessage(bytes: Uint8Array, start: number, end: number, edit: (f: WireField) => Chunks | undefined): Chunks | undefined {
  const parts: Uint8Array[] = [];
  let length = 0;
  let kept = start;
  let changed = false;
  for (const f of readFields(bytes, start, end)) {
    const replacement = edit(f);
    if (!replacement) continue;
    changed = true;
    if (f.start > kept) parts.push(bytes.subarray(kept, f.start));
    parts.push(...replacement.parts);
    length += f.start - kept + replacement.length;
    kept = f.end;
  }
  if (!changed) return undefined;
  if (end > kept) parts.push(bytes.subarray(kept, end));
  return { parts, length: length + end - kept };
}

/** Rewrites an embedded message field with {@link editMessage}; undefined when nothing changed. */
export function editField(bytes: Uint8Array, f: WireField, edit: (f: WireField) => Chunks | undefined): Chunks | undefined {
  expectWire(f, WIRE_LEN);
  const inner = editMessage(bytes, f.valueStart, f.end, edit);
  return inner && lengthDelimited(f.field, inner);
}

/** The one copy: all parts into a fresh array. */
export function joinChunks(chunks: Chunks): Uint8Array {
  const out = new Uint8Array(chunks.length);
  let at = 0;
  for (const part of chunks.parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
