/**
 * A JSON line written straight into bytes, piece by piece: constant pieces are copied pre-encoded, numbers
 * and plain ASCII strings are written digit by digit and character by character. Building the same line as a
 * string (template pieces, JSON.stringify, number-to-string, then flattening and UTF-8 encoding it for the
 * write) cost more than everything else the access log does per request. Anything unusual (a character JSON
 * escapes, non-ASCII, a number that is not a plain decimal) goes through JSON.stringify, so the bytes are
 * always exactly what JSON.stringify would have given.
 */
export class JsonLine {
  private buffer: Buffer;
  private end = 0;

  constructor(initialBytes = 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Starts a new line; the bytes of the previous one are overwritten. */
  reset(): this {
    this.end = 0;
    return this;
  }

  /** Pre-encoded JSON text, e.g. a key with its colon (see `encoded`). */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.end);
    this.end += bytes.length;
    return this;
  }

  /** Already serialized JSON text. */
  json(text: string): this {
    this.reserve(text.length * MAX_UTF8_PER_UNIT);
    this.end += this.buffer.write(text, this.end, 'utf8');
    return this;
  }

  /** A string (or its first `length` characters) as JSON.stringify writes it. */
  string(value: string, length = value.length): this {
    this.reserve(length + 2);
    const out = this.buffer;
    const start = this.end;
    let at = start;
    out[at++] = QUOTE;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.end = start;
        return this.json(JSON.stringify(length === value.length ? value : value.slice(0, length)));
      }
      out[at++] = c;
    }
    out[at++] = QUOTE;
    this.end = at;
    return this;
  }

  /** A number as JSON.stringify writes it. */
  number(value: number): this {
    if (Number.isSafeInteger(value) && value >= 0) return this.digits(value);
    return this.json(JSON.stringify(value));
  }

  /**
   * `Math.round(value * 1000) / 1000` as JSON.stringify writes it (milliseconds to the microsecond), without
   * making that number: a whole part, then up to three decimals without trailing zeros.
   */
  thousandths(value: number): this {
    const micros = Math.round(value * 1000);
    if (!(Number.isSafeInteger(micros) && micros >= 0)) return this.json(JSON.stringify(micros / 1000));
    const fraction = micros % 1000;
    this.digits((micros - fraction) / 1000);
    if (fraction === 0) return this;
    this.reserve(4);
    const out = this.buffer;
    out[this.end++] = DOT;
    out[this.end++] = ZERO + Math.floor(fraction / 100);
    if (fraction % 100 !== 0) out[this.end++] = ZERO + (Math.floor(fraction / 10) % 10);
    if (fraction % 10 !== 0) out[this.end++] = ZERO + (fraction % 10);
    return this;
  }

  /** Bytes written since the last `reset`. */
  get length(): number {
    return this.end;
  }

  /** The memory holding them, from offset 0; valid until the next write. */
  get bytes(): Buffer {
    return this.buffer;
  }

  /** What was written since the last `reset`, as a string. */
  text(): string {
    return this.buffer.toString('utf8', 0, this.end);
  }

  /** A safe non-negative integer in decimal. Larger ones (a time in ms) are split, to keep to small-integer arithmetic. */
  private digits(value: number): this {
    if (value < BILLION) return this.smallDigits(value | 0, 0);
    const high = Math.floor(value / BILLION);
    this.digits(high);
    return this.smallDigits((value - high * BILLION) | 0, 9);
  }

  /** `value` (a small integer below a billion) in decimal, padded with zeros to `width` digits. */
  private smallDigits(value: number, width: number): this {
    let count = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) count++;
    if (count < width) count = width;
    this.reserve(count);
    const out = this.buffer;
    let at = this.end + count;
    this.end = at;
    let rest = value;
    for (let i = 0; i < count; i++) {
      const next = (rest / 10) | 0;
      out[--at] = ZERO + rest - next * 10;
      rest = next;
    }
    return this;
  }

  private reserve(bytes: number): void {
    if (this.end + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.end + bytes));
    this.buffer.copy(grown, 0, 0, this.end);
    this.buffer = grown;
  }
}

/** JSON text encoded once, to be written with `raw`. */
export function encoded(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, takes 4). */
const MAX_UTF8_PER_UNIT = 3;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const ZERO = 0x30;
const BILLION = 1_000_000_000;
