import fc from 'fast-check';
import { encoded, JsonLine } from './jsonLine.js';

const text = (line: JsonLine) => line.text();

describe('JsonLine', () => {
  it('writes strings exactly as JSON.stringify does', () => {
    const line = new JsonLine(4);
    for (const value of ['', 'req-1', '/random', '::ffff:127.0.0.1', 'a"b', 'back\\slash', 'tab\t', '\x7f', '\u2028', '\ud800', 'é😀']) {
      expect(text(line.reset().string(value))).toBe(JSON.stringify(value));
    }
    const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(fc.property(fc.string({ unit: anyUnit, maxLength: 300 }), (value) => expect(text(line.reset().string(value))).toBe(JSON.stringify(value))));
  });

  it('writes the start of a string', () => {
    const line = new JsonLine();
    expect(text(line.reset().string('/random?n=1', 7))).toBe('"/random"');
    expect(text(line.reset().string('/é?n=1', 2))).toBe('"/é"');
  });

  it('writes numbers exactly as JSON.stringify does', () => {
    const line = new JsonLine(2);
    for (const value of [0, 7, 10, 200, 1_000_000, 999_999_999, 1_000_000_000, 1_000_000_007, 1_764_133_700_123, Number.MAX_SAFE_INTEGER, -3, 0.5, NaN]) {
      expect(text(line.reset().number(value))).toBe(JSON.stringify(value));
    }
    fc.assert(fc.property(fc.oneof(fc.nat(), fc.maxSafeNat(), fc.double()), (value) => expect(text(line.reset().number(value))).toBe(JSON.stringify(value))));
  });

  it('writes milliseconds to the microsecond as JSON.stringify writes the rounded number', () => {
    const line = new JsonLine(2);
    const rounded = (value: number) => JSON.stringify(Math.round(value * 1000) / 1000);
    for (const value of [0, 0.0004, 0.0005, 0.1, 0.12, 0.123, 0.1234, 1, 2.5, 10.05, 999.9999, 123456.789]) {
      expect(text(line.reset().thousandths(value))).toBe(rounded(value));
    }
    fc.assert(fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), (value) => expect(text(line.reset().thousandths(value))).toBe(rounded(value))));
  });

  it('joins pieces into one line, growing as needed', () => {
    const line = new JsonLine(8);
    line.reset().raw(encoded('{"a":')).string('x'.repeat(50)).raw(encoded(',"b":')).number(12).raw(encoded(',"c":')).json('{"k":"é"}').raw(encoded('}\n'));
    expect(JSON.parse(text(line))).toEqual({ a: 'x'.repeat(50), b: 12, c: { k: 'é' } });
    expect(text(line).endsWith('}\n')).toBe(true);
  });
});
