// api/ and contracts/ are both leaves (neither imports the other), so the one value they both state is
// checked to be the same here.
import { specSchema } from '../../api/v1alpha1/schema.js';
import { SHA256_HEX } from '../../contracts/sha256.js';

test("the appliance's expectedCoreSha256 pattern is contracts' SHA-256", () => {
  expect(specSchema.json.properties?.expectedCoreSha256?.pattern).toBe(SHA256_HEX.source);
});
