// npm run verify-release -- release/<version> --key <public-key.asc> [--unsigned]
// One line per check; exit 0 only when every check passes.
import { parseVerifyArgs } from './options.js';
import { formatResult, verifyRelease } from './verify.js';

const parsed = parseVerifyArgs(process.argv.slice(2));
if (!parsed.ok) {
  process.stderr.write(`${parsed.message}\n`);
  process.exitCode = 2;
} else {
  const results = verifyRelease(parsed.options.dir, parsed.options.key, parsed.options.unsigned);
  for (const result of results) process.stdout.write(`${formatResult(result)}\n`);
  const failed = results.filter((result) => !result.ok).map((result) => result.check);
  process.stdout.write(failed.length ? `verify-release: FAILED: ${failed.join(', ')}\n` : 'verify-release: all checks passed\n');
  process.exitCode = failed.length ? 1 : 0;
}
