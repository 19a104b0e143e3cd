import { reconnectDelaySeconds } from './reconnect-delay.js';

test.each([[-1, 1], [0, 1], [1, 2], [2, 4], [3, 5], [10, 5], [2000, 5]])('attempt %p waits %p s', (attempt, seconds) => {
  expect(reconnectDelaySeconds(attempt)).toBe(seconds);
});
