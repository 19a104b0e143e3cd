import { shellCommands, shellSegments, spawnedCommands } from './spawned-commands.js';

const commands = (file: string, text: string) => spawnedCommands(file, text).map((c) => `${c.command}${c.certain ? '!' : ''}`);

describe('reading TypeScript', () => {
  test('literal programs of spawn-like calls, netns argv and bench commands are certain', () => {
    const text = [
      "const run = promisify(execFile);",
      "spawn('setpriv', ['--pdeathsig', 'KILL']);",
      "await run('openssl', args);",
      "execFileSync('ip', ['-o', 'link', 'show']);",
      "runCommand(['ip', 'netns', 'exec', netns, 'iptables-restore', '-w', '5'], { input });",
      "{ name: 'x', command: 'wrk', args: [] }",
      "spawn(process.execPath, [main]);",
    ].join('\n');
    expect(commands('a.ts', text).sort()).toEqual(['iptables-restore!', 'ip!', 'ip!', 'openssl!', 'setpriv!', 'wrk!'].sort());
  });

  test('a local function named run is not a spawner unless it wraps execFile', () => {
    expect(commands('a.ts', "await run('upgrade', ['r4']);")).toEqual([]);
  });

  test('guard scripts embedded in TypeScript are read as shell, with their lines', () => {
    const text = "import x;\nconst guardScript = `\nread -r word || true\nip netns delete \"$ns\"\n`;\n";
    expect(spawnedCommands('g.ts', text).map((c) => [c.command, c.where])).toEqual([['ip', 'g.ts:4']]);
  });
});

describe('reading shell', () => {
  test('segments: separators, $(...) also inside double quotes; quoted text and comments are dropped', () => {
    expect(shellSegments('a | b && c; d # e f')).toEqual(['a ', ' b ', ' c', ' d ']);
    expect(shellSegments('x="$(uname -m) says $(id -u)"')).toEqual(['uname -m', 'id -u', 'x=']);
    expect(shellSegments("echo 'not ( a command' \"nor | this\"")).toEqual(['echo  ']);
  });

  test('programs after assignments, keywords and wrappers; functions and heredocs are left out', () => {
    const script = [
      'say() { echo "$*" >&2; }',
      'if command -v git >/dev/null; then say hi; fi',
      'FOO=1 exec setpriv --pdeathsig TERM node main.js',
      'flock -n 9 podman build .',
      'cat >"$f" <<EOF',
      'not a command',
      'EOF',
      'env CGO_ENABLED=0 go build',
    ].join('\n');
    expect(shellCommands('s.sh', script).map((c) => c.command)).toEqual(['setpriv', 'node', 'flock', 'podman', 'cat', 'env', 'go']);
  });
});
