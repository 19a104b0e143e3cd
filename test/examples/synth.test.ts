// The examples a user starts from render their workload, as `npm run synth` prints it.
import { synthesizeFiles } from '../../scripts/synth.js';

const defaults = { image: 'r4:0.1.0', imageDigest: `sha256:${'d'.repeat(64)}`, coreSha256: 'a'.repeat(64) };

describe('synth of the examples', () => {
  test.each(['examples/appliance.yaml', 'examples/appliance-full.yaml'])('%s renders its workload', (file) => {
    const objects = synthesizeFiles([file], defaults);
    expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
  });
});
