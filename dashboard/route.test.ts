import { applianceApiPath, applianceHref, parseRoute } from './route.js';

test.each([
  ['', { view: 'fleet' }],
  ['#/', { view: 'fleet' }],
  ['#main', { view: 'fleet' }],
  ['#/appliances/ns', { view: 'fleet' }],
  ['#/appliances/ns/a/extra', { view: 'fleet' }],
  ['#/appliances/ns/a', { view: 'appliance', namespace: 'ns', name: 'a' }],
  ['#/appliances/ns/a/', { view: 'appliance', namespace: 'ns', name: 'a' }],
  ['#/appliances/n%20s/a', { view: 'appliance', namespace: 'n s', name: 'a' }],
  ['#/appliances/%E0%A4%A/a', { view: 'fleet' }],
])('%p', (hash, route) => {
  expect(parseRoute(hash)).toEqual(route);
});

test('links and API paths round-trip and escape', () => {
  expect(parseRoute(applianceHref('a/b', 'c?d'))).toEqual({ view: 'appliance', namespace: 'a/b', name: 'c?d' });
  expect(applianceApiPath('ns', 'a b')).toBe('api/v1/appliances/ns/a%20b');
});
