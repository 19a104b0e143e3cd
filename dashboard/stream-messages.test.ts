import { toStreamMessage } from './stream-messages.js';

test('a known type with a JSON object that has a revision becomes a message', () => {
  expect(toStreamMessage({ type: 'heartbeat', data: '{"revision":4,"leader":true}' })).toEqual({ type: 'heartbeat', data: { revision: 4, leader: true } });
});

test.each([
  ['an unknown type', 'message', '{"revision":1}'],
  ['broken JSON', 'heartbeat', '{"revision":'],
  ['not an object', 'heartbeat', '7'],
  ['null', 'heartbeat', 'null'],
  ['no revision', 'heartbeat', '{"leader":true}'],
])('%s is dropped', (_name, type, data) => {
  expect(toStreamMessage({ type, data })).toBeUndefined();
});
