import { keyFileUpdate, type KeyFileRead } from './keyFileUpdate.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const text = (t: string): KeyFileRead => ({ ok: true, text: t });
const gone: KeyFileRead = { ok: false, code: 'ENOENT' };
const denied: KeyFileRead = { ok: false, code: 'EACCES' };

describe('keyFileUpdate', () => {
  it.each([
    ['two reads that agree', text(`${A}\n${B}\n`), text(`${A}\n${B}\n`), false, { action: 'apply', keys: [A, B] }],
    ['an empty file, read twice', text(''), text(''), false, { action: 'apply', keys: [] }],
    ['short keys in demo mode', text('demo\n'), text('demo\n'), true, { action: 'apply', keys: ['demo'] }],
    ['a file that is gone', gone, gone, false, { action: 'revoke', why: 'the file is gone' }],
    ['a file gone by the second read', text(`${A}\n`), gone, false, { action: 'revoke', why: 'the file is gone' }],
    ['a file gone at the first read only', gone, text(`${A}\n`), false, { action: 'revoke', why: 'the file is gone' }],
    ['an unreadable file', denied, denied, false, { action: 'revoke', why: 'the file cannot be read (EACCES)' }],
    // A half-written edit: the first read saw one key of two, or a truncated key.
    ['a file half written at the first read', text(`${A}\n`), text(`${A}\n${B}\n`), false, { action: 'keep', why: expect.stringContaining('changed while it was read'), retry: true }],
    ['a key cut short at the first read', text(`${A}\n${B.slice(0, 20)}`), text(`${A}\n${B}\n`), false, { action: 'keep', why: expect.stringContaining('changed'), retry: true }],
    ['a stable file with a bad line', text(`${A}\nshort\n`), text(`${A}\nshort\n`), false, { action: 'keep', why: expect.stringContaining('line 2 is shorter'), retry: false }],
  ])('%s', (_name, first, second, demo, expected) => {
    expect(keyFileUpdate(first, second, demo)).toEqual(expected);
  });
});
