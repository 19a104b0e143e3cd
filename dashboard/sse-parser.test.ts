import { SseParser } from './sse-parser.js';

const parse = (...chunks: string[]) => {
  const parser = new SseParser();
  return chunks.flatMap((c) => parser.push(c));
};

test.each([
  ['one event', ['event: hello\ndata: {"a":1}\n\n'], [{ type: 'hello', data: '{"a":1}' }]],
  ['no event field is "message"', ['data: x\n\n'], [{ type: 'message', data: 'x' }]],
  ['several data lines join with \\n', ['data: a\ndata: b\n\n'], [{ type: 'message', data: 'a\nb' }]],
  ['comments and unknown fields are ignored', [': ping\nid: 3\nretry: 10\nevent: e\ndata: d\n\n'], [{ type: 'e', data: 'd' }]],
  ['only one space after the colon is stripped', ['data:  two\n\n'], [{ type: 'message', data: ' two' }]],
  ['no space after the colon', ['event:e\ndata:d\n\n'], [{ type: 'e', data: 'd' }]],
  ['CRLF and CR line ends', ['event: e\r\ndata: d\r\n\r\nevent: f\rdata: g\r\r', ':'], [{ type: 'e', data: 'd' }, { type: 'f', data: 'g' }]],
  ['CRLF split across chunks', ['data: d\r', '\n\r', '\n'], [{ type: 'message', data: 'd' }]],
  ['a line split anywhere', ['ev', 'ent: he', 'llo\nda', 'ta: 1', '\n', '\n'], [{ type: 'hello', data: '1' }]],
  ['a final CR waits for the next chunk (it may be a CRLF)', ['data: d\r\r'], []],
  ['a blank line without data dispatches nothing', ['event: e\n\n'], []],
  ['an unfinished event is held back', ['event: e\ndata: d\n'], []],
  ['the event type does not leak into the next event', ['event: e\ndata: 1\n\ndata: 2\n\n'], [{ type: 'e', data: '1' }, { type: 'message', data: '2' }]],
])('%s', (_name, chunks, expected) => {
  expect(parse(...chunks)).toEqual(expected);
});
