/** One typed array from several parts, in order. */
function concatInto<T extends Uint8Array | Float32Array>(out: T, parts: readonly T[]): T {
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const total = (parts: readonly { length: number }[]) => parts.reduce((n, p) => n + p.length, 0);

/** One buffer from several chunks (a streamed download, weight shards). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return concatInto(new Uint8Array(total(parts)), parts);
}

/** One tensor from several (images of a batch, output rows of a split batch). */
export function concatFloats(parts: readonly Float32Array[]): Float32Array {
  return concatInto(new Float32Array(total(parts)), parts);
}
