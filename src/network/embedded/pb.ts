/**
 * A minimal protobuf writer for the messages the endorser builds on every transaction (read/write
 * set, chaincode action, endorsements, envelope). google-protobuf's message objects cost several
 * times more than writing the bytes directly; field order and default-skipping follow proto3 as
 * google-protobuf does, so the bytes are identical (test/network/pb.test.ts checks that).
 */

/** Builds one message; nested messages are finished separately and added as bytes. */
export class PbWriter {
  readonly #chunks: Uint8Array[] = [];
  #len = 0;
  // Tags, lengths and varints gather here and become one chunk before the next bytes chunk, so a
  // field costs one small allocation rather than one per varint.
  #pending: number[] = [];

  #varint(n: number): void {
    // Arithmetic, not bitwise: values may exceed 32 bits.
    while (n >= 0x80) {
      this.#pending.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.#pending.push(n);
  }

  #flush(): void {
    if (this.#pending.length === 0) return;
    const b = Buffer.from(this.#pending);
    this.#chunks.push(b);
    this.#len += b.length;
    this.#pending = [];
  }

  #tag(field: number, wire: 0 | 2): void {
    this.#varint(field * 8 + wire);
  }

  /** A non-negative integer field (uint64, int32 >= 0, enum); 0 is skipped. */
  uint(field: number, n: number): this {
    if (n !== 0) {
      this.#tag(field, 0);
      this.#varint(n);
    }
    return this;
  }

  /** A bool field; false is skipped. */
  bool(field: number, v: boolean): this {
    if (v) {
      this.#tag(field, 0);
      this.#varint(1);
    }
    return this;
  }

  /** A string field; '' is skipped. */
  string(field: number, s: string | undefined): this {
    if (s) this.bytes(field, Buffer.from(s));
    return this;
  }

  /** A bytes field; empty is skipped. */
  bytes(field: number, b: Uint8Array | undefined): this {
    if (b && b.length > 0) this.message(field, b);
    return this;
  }

  /** An embedded message (already encoded), written even when empty, as a set field is. */
  message(field: number, encoded: Uint8Array): this {
    this.#tag(field, 2);
    this.#varint(encoded.length);
    if (encoded.length > 0) {
      this.#flush();
      this.#chunks.push(encoded);
      this.#len += encoded.length;
    }
    return this;
  }

  finish(): Buffer {
    this.#flush();
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    return only && Buffer.isBuffer(only) ? only : Buffer.concat(this.#chunks, this.#len);
  }
}

/** Field values of one decoded message: varints as numbers, length-delimited fields as bytes. */
export type PbFields = Map<number, Array<number | Uint8Array>>;

/**
 * Read position of {@link readFields} in the buffer it is reading. Module state rather than a closure
 * over a local: under tsx (esbuild's keepNames) every closure created costs a defineProperty call, and
 * readFields runs several times per transaction. readFields is synchronous and calls nothing that
 * reads fields in turn, so one cursor suffices.
 */
let pos = 0;

function varint(buf: Uint8Array): number {
  let result = 0;
  let mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated protobuf varint');
    const b = buf[pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 0x80;
  }
}

/**
 * Decode one message level into its fields (nested messages stay bytes, to be decoded on demand).
 * Throws on truncated input. Fixed-width fields are skipped: none of the messages read here use them.
 */
export function readFields(buf: Uint8Array): PbFields {
  const out: PbFields = new Map();
  pos = 0;
  while (pos < buf.length) {
    const key = varint(buf);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint(buf);
    else if (wire === 2) {
      const len = varint(buf);
      if (pos + len > buf.length) throw new Error('truncated protobuf field');
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1) {
      pos += 8;
      continue;
    } else if (wire === 5) {
      pos += 4;
      continue;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    const list = out.get(field);
    if (list) list.push(value);
    else out.set(field, [value]);
  }
  return out;
}

const EMPTY = new Uint8Array(0);

/** Last value of a length-delimited field (proto3: last one wins), or empty. */
export function pbBytes(f: PbFields, field: number): Uint8Array {
  const v = f.get(field);
  const last = v?.[v.length - 1];
  return last instanceof Uint8Array ? last : EMPTY;
}

/** A string field. */
export function pbString(f: PbFields, field: number): string {
  const b = pbBytes(f, field);
  return b.length ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : '';
}

/** A varint field. */
export function pbNumber(f: PbFields, field: number): number {
  const v = f.get(field);
  const last = v?.[v.length - 1];
  return typeof last === 'number' ? last : 0;
}

/** Every value of a repeated length-delimited field. */
export function pbRepeated(f: PbFields, field: number): Uint8Array[] {
  return (f.get(field) ?? []).filter((v): v is Uint8Array => v instanceof Uint8Array);
}
