import { runCommand } from './run-command.js';

test('a program that is not installed is a rejected Error naming it, not a crash', async () => {
  await expect(runCommand(['r4-no-such-program', 'x'], { input: 'some input' })).rejects.toThrow(/exec of "r4-no-such-program" failed: not installed/);
});

test('a program that exits without reading a large input rejects with its exit, not EPIPE', async () => {
  await expect(runCommand(['sh', '-c', 'echo nope >&2; exit 3'], { input: 'x'.repeat(4 << 20) })).rejects.toThrow(/exit code 3: nope/);
});

test('input reaches the program; its output comes back', async () => {
  await expect(runCommand(['sh', '-c', 'tr a-z A-Z'], { input: 'hello' })).resolves.toEqual({ stdout: 'HELLO', stderr: '' });
});

test('a program that does not finish in time is killed and reported', async () => {
  await expect(runCommand(['sleep', '10'], { timeoutMs: 100 })).rejects.toThrow(/no exit within 100 ms/);
});
