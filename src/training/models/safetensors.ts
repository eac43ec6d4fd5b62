/**
 * A reader of the safetensors format (https://github.com/huggingface/safetensors), pure: bytes in, tensors out.
 *
 * The format: an 8-byte little-endian unsigned header length N, N bytes of JSON mapping each tensor's name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the bytes after the header; an optional
 * `__metadata__` entry maps strings to strings), then the tensors' raw little-endian bytes, row-major.
 *
 * Every entry is checked when the file is read (known dtype, shape of non-negative integers, offsets inside the
 * data and matching the shape's byte size); only F32, F16 and BF16 tensors decode (to float32), so a checkpoint
 * that also holds integer tensors (BERT's `position_ids`) reads, and only asking for such a tensor's values fails.
 */

/** Bytes per element of each dtype the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1,
  U16: 2, I16: 2, F16: 2, BF16: 2,
  U32: 4, I32: 4, F32: 4,
  U64: 8, I64: 8, F64: 8,
};
/** The dtypes whose values decode to float32. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16'] as const;

/** A file that is not a readable safetensors file, or a tensor that cannot be decoded: the message names the file (and the tensor). */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

export interface TensorEntry {
  dtype: string;
  shape: number[];
  /** Byte range in the data section. */
  begin: number;
  end: number;
}

export class SafetensorsFile {
  private constructor(
    /** Names the file in errors. */
    readonly file: string,
    private readonly data: DataView,
    readonly entries: ReadonlyMap<string, TensorEntry>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  /** Reads and checks the header of `bytes` (the whole file); the tensors decode on demand. */
  static read(bytes: Uint8Array, file: string): SafetensorsFile {
    const fail = (why: string): never => {
      throw new SafetensorsError(`${file}: not a safetensors file: ${why}`);
    };
    if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = view.getBigUint64(0, true);
    if (headerLength > BigInt(bytes.length - 8)) fail(`the header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
    const n = Number(headerLength);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
    } catch (error) {
      fail(`the header is not JSON (${(error as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
    const data = new DataView(bytes.buffer, bytes.byteOffset + 8 + n, bytes.length - 8 - n);
    const entries = new Map<string, TensorEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') metadata = (value ?? {}) as Record<string, string>;
      else entries.set(name, checkedEntry(value, data.byteLength, (why) => fail(`tensor "${name}": ${why}`)));
    }
    return new SafetensorsFile(file, data, entries, metadata);
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The tensor's values as float32, row-major (F32, F16 and BF16 tensors). */
  float32(name: string): Float32Array {
    const entry = this.entries.get(name);
    if (!entry) throw new SafetensorsError(`${this.file}: no tensor "${name}"`);
    const count = (entry.end - entry.begin) / DTYPE_BYTES[entry.dtype];
    const out = new Float32Array(count);
    const at = entry.begin;
    const data = this.data;
    if (entry.dtype === 'F32') for (let i = 0; i < count; i++) out[i] = data.getFloat32(at + 4 * i, true);
    else if (entry.dtype === 'F16') for (let i = 0; i < count; i++) out[i] = halfToFloat(data.getUint16(at + 2 * i, true));
    else if (entry.dtype === 'BF16') {
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = data.getUint16(at + 2 * i, true) << 16;
    } else throw new SafetensorsError(`${this.file}: tensor "${name}" is ${entry.dtype}; only ${FLOAT_DTYPES.join(', ')} tensors are read`);
    return out;
  }
}

/** One header entry, checked: a known dtype, a shape, and offsets inside the data that hold exactly that shape. */
function checkedEntry(value: unknown, dataBytes: number, fail: (why: string) => never): TensorEntry {
  if (typeof value !== 'object' || value === null) fail('the entry is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`unknown dtype ${JSON.stringify(dtype)}`);
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) fail(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataBytes) fail(`data_offsets [${begin}, ${end}] lie outside the ${dataBytes} data bytes`);
  const elements = (shape as number[]).reduce((a, b) => a * b, 1);
  const bytes = elements * DTYPE_BYTES[dtype as string];
  if (end - begin !== bytes) fail(`shape [${(shape as number[]).join(', ')}] of ${dtype} takes ${bytes} bytes, data_offsets give ${end - begin}`);
  return { dtype: dtype as string, shape: shape as number[], begin, end };
}

/** An IEEE 754 half-precision number's bits → its value (subnormals, infinities and NaN included). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
