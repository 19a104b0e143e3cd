// r4: the command line (bin/r4 runs it on Node 24). Verification is offline; the other commands call a
// service. Output goes to stdout, problems to stderr, and the exit code says which (usage.ts).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { endpointFrom, get, type Answer } from './serviceClient.js';
import { UsageError, USAGE } from './usage.js';
import { parseItems, readText, verifyItems } from './verifyCommand.js';

const readStdin = () => readFileSync(0, 'utf8');

function verify(args: string[]): number {
  const { values, positionals } = parseArgs({ args, options: { trust: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError('r4 verify takes one file (or - for stdin)');
  if (!values.trust) throw new UsageError('r4 verify needs --trust <file>: the appliance (kubectl get -o json), its status, or GET /vrf/keys');
  const items = parseItems(readText(positionals[0]!, readStdin), positionals[0] === '-' ? 'stdin' : positionals[0]!);
  const trustText = readText(values.trust, readStdin);
  let trustJson: unknown;
  try {
    trustJson = JSON.parse(trustText);
  } catch {
    throw new UsageError(`the trust file ${values.trust} is not JSON`);
  }
  const report = verifyItems(items, trustJson);
  process.stdout.write(`${report.lines.join('\n')}\n`);
  return report.ok ? 0 : 1;
}

/** Prints a 2xx body as it is; otherwise the service's detail on stderr, exit 1. */
function printed(answer: Answer): number {
  if (answer.status >= 200 && answer.status < 300) {
    process.stdout.write(answer.body);
    if (!answer.body.toString('utf8').endsWith('\n')) process.stdout.write('\n');
    return 0;
  }
  let detail = answer.body.toString('utf8').slice(0, 500);
  try {
    detail = (JSON.parse(detail) as { detail?: string }).detail ?? detail;
  } catch {
    // not JSON: shown as it is
  }
  process.stderr.write(`r4: the service answered ${answer.status}: ${detail}\n`);
  return 1;
}

const clientOptions = { url: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' } } as const;

async function call(command: string, args: string[]): Promise<number> {
  const options = { ...clientOptions, n: { type: 'string', short: 'n' }, fmt: { type: 'string' }, alpha: { type: 'string' } } as const;
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true });
  const endpoint = endpointFrom(values, process.env);
  switch (command) {
    case 'random':
      if (!values.n) throw new UsageError('r4 random needs -n N');
      return printed(await get(endpoint, '/random', { n: values.n, fmt: values.fmt ?? 'hex' }));
    case 'vrf':
      if (!values.alpha) throw new UsageError('r4 vrf needs --alpha HEX');
      return printed(await get(endpoint, '/vrf', { alpha: values.alpha }));
    case 'beacon': {
      const which = positionals[0] ?? 'latest';
      if (!/^(latest|info|\d+)$/.test(which)) throw new UsageError('r4 beacon takes latest, info or a round number');
      return printed(await get(endpoint, `/vrf/beacon/${which}`));
    }
    default:
      return printed(await get(endpoint, '/vrf/keys'));
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === 'verify') return verify(args);
    if (command === 'random' || command === 'vrf' || command === 'beacon' || command === 'keys') return await call(command, args);
    if (command === 'help' || command === '--help' || command === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    throw new UsageError(command === undefined ? 'no command given' : `unknown command ${JSON.stringify(command)}`);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`r4: ${(err as Error).message}\n${err instanceof UsageError && err.message.startsWith('no command') ? USAGE + '\n' : ''}`);
      return 2;
    }
    process.stderr.write(`r4: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
