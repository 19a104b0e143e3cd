import { FleetState } from './fleetState.js';

const SHA = 'ab'.repeat(32);
const sealed = (index: number) => ({ index, coreSha256: SHA, integrity: 'verified', selftest: 'pass', mode: 'sealed', coreState: 'running', corePid: 4000 + index, coreRestarts: 0 }) as const;

test('every worker starts blocked, starting, with no core measured, until it reports', () => {
  const fleet = FleetState.create(2);
  expect(fleet.read(1)).toEqual({ index: 1, coreSha256: null, integrity: 'missing', selftest: 'fail', mode: 'blocked', coreState: 'starting', corePid: null, coreRestarts: 0, alive: false });
  expect(fleet.worstOther(0)).toEqual({ mode: 'blocked', index: 1 });
});

test('the worst of the other workers bounds a worker; a dead worker blocks the rest until it reports again', () => {
  const fleet = FleetState.create(3);
  for (const index of [0, 1, 2]) fleet.publish(sealed(index));
  expect(fleet.worstOther(0)).toBeNull();
  expect(fleet.read(2)).toEqual({ ...sealed(2), alive: true });
  fleet.publish({ ...sealed(1), mode: 'fallback' });
  expect(fleet.worstOther(0)).toEqual({ mode: 'fallback', index: 1 });
  expect(fleet.worstOther(1)).toBeNull();
  fleet.markDown(2);
  expect(fleet.worstOther(0)).toEqual({ mode: 'blocked', index: 2 });
  expect(fleet.read(2)).toMatchObject({ mode: 'blocked', coreState: 'down', corePid: null, alive: false, coreSha256: SHA });
});

test('what one thread writes, another reads from the same buffer', () => {
  const writer = FleetState.create(2);
  writer.publish(sealed(0));
  expect(new FleetState(writer.buffer, 2).read(0)).toEqual({ ...sealed(0), alive: true });
});
