// A fake node offers the pod capacity it is given, a thousand pods by default.
import { defaultPodCapacity, fakeNode } from './fake-node.js';

test('a fake node\'s pod capacity is what it is told, 1000 by default, allocatable as a whole', () => {
  expect(defaultPodCapacity).toBe(1000);
  expect(fakeNode('r4-node-1', '10.244.0.1', 'v1.31.0').status?.capacity?.pods).toBe('1000');
  const small = fakeNode('r4-node-2', '10.244.0.1', 'v1.31.0', 50);
  expect(small.status?.capacity?.pods).toBe('50');
  expect(small.status?.allocatable?.pods).toBe('50');
});
