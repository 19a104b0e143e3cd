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
  expect(programFor('r4-operator:0.1.0')).toBeDefined();
  expect(programFor('nginx:1.27')).toBeUndefined();
  expect(unmappedImageMessage('nginx:1.27')).toMatch(/no local program for image "nginx:1.27".*"r4", "r4-operator", "r4-tampered-core", "r4-selftest-hang", "echo-server".*programs\.ts/);
});

test('a container of r4\'s images runs the dist/ script its command names, else the image\'s default', () => {
  const launch = (command?: string[]) => {
    const result = programFor('r4:0.1.0')?.launch({ name: 'main', image: 'r4:0.1.0', command }, {}, '/nonexistent');
    if (!result || 'error' in result) throw new Error(`no launch: ${JSON.stringify(result)}`);
    return result.argv[1];
  };
  expect(launch()).toMatch(/dist\/service\/main\.js$/);
  expect(launch(['node', 'dist/service/smokeCheck.js'])).toMatch(/dist\/service\/smokeCheck\.js$/);
});

test('the operator as a pod needs its ServiceAccount token', () => {
  expect(programFor('r4-operator')?.launch({ name: 'operator', image: 'r4-operator' }, {}, '/nonexistent')).toEqual({
    error: expect.stringContaining('ServiceAccount token mounted at /var/run/secrets/kubernetes.io/serviceaccount'),
  });
});
