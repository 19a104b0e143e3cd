// Images map to local programs by repository name, and an unknown image gets a message that says what to do.
import { imageName, programFor, unmappedImageMessage } from './programs.js';

test.each([
  ['r4', 'r4'],
  ['r4:0.1.0', 'r4'],
  ['example.org:5000/team/r4:1.2@sha256:abc', 'r4'],
  ['localhost/echo-server', 'echo-server'],
])('imageName(%s) = %s', (image, name) => {
  expect(imageName(image)).toBe(name);
});

test('known images have a program, others a helpful message', () => {
  expect(programFor('r4:local')).toBeDefined();
  expect(programFor('echo-server')).toBeDefined();
  expect(programFor('nginx:1.27')).toBeUndefined();
  expect(unmappedImageMessage('nginx:1.27')).toMatch(/no local program for image "nginx:1.27".*"r4", "r4-tampered-core", "r4-selftest-hang", "echo-server".*programs\.ts/);
});
