// The CLI contract of re4_dump (native/README.md), checked on the release build and on the same
// sources built with AddressSanitizer and UBSan: other parts of r4 depend on every line of it.
import { builds, runCore } from './core-binary.js';

const variants = [
  ['release', builds.release],
  ['asan+ubsan', builds.asan],
] as const;

describe.each(variants)('re4_dump CLI (%s build)', (_name, binary) => {
  test.each([0, 1, 15, 16, 17, 65_535, 65_536, 65_537, 1_048_576, 3_000_001])(
    '-n %d writes exactly that many bytes and exits 0',
    async (n) => {
      const run = await runCore(binary, ['-n', String(n)]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.length).toBe(n);
    },
  );

  test('two runs never produce the same bytes', async () => {
    const [a, b] = await Promise.all([runCore(binary, ['-n', '64']), runCore(binary, ['-n', '64'])]);
    expect(a.stdout.equals(b.stdout)).toBe(false);
  });

  test('--hex writes two lowercase hex digits per byte and a final newline', async () => {
    const run = await runCore(binary, ['--hex', '-n', '1000']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString('latin1')).toMatch(/^[0-9a-f]{2000}\n$/);
  });

  test('streaming ends quietly with exit 0 when the reader closes the pipe (no EPIPE noise)', async () => {
    const run = await runCore(binary, [], { closeAfterBytes: 32 });
    expect(run.stdout.length).toBeGreaterThanOrEqual(32);
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  test('--hex streaming also ends quietly', async () => {
    const run = await runCore(binary, ['--hex'], { closeAfterBytes: 4096 });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.subarray(0, 4096).toString('latin1')).toMatch(/^[0-9a-f]+$/);
  });

  test('--prediction-resistance produces the requested bytes', async () => {
    const run = await runCore(binary, ['--prediction-resistance', '-n', '300000']);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(300_000);
  });

  test.each([
    [['-x'], "unknown argument '-x'"],
    [['-n'], 'a byte count must follow'],
    [['-n', '-5'], "not a byte count (decimal digits only): '-5'"],
    [['-n', '12abc'], "'12abc'"],
    [['-n', ''], "''"],
    [['-n', ' 7'], "' 7'"],
    [['-n', '1e3'], "'1e3'"],
    [['-n', '99999999999999999999999'], "'99999999999999999999999'"],
    [['--status-fd', '1'], "not a file descriptor above 2: '1'"],
    [['--selftest', '--version'], "extra: '--version'"],
    [['--version', '-n', '5'], 'go only with streaming'],
  ])('usage error %j: message on stderr, exit 2, no output', async (args, message) => {
    const run = await runCore(binary, [...args]);
    expect(run.code).toBe(2);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: re4_dump');
  });

  test('--help prints the usage on stdout and exits 0', async () => {
    const run = await runCore(binary, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('Exit codes:');
  });

  test('--version prints one JSON line describing the build', async () => {
    const run = await runCore(binary, ['--version']);
    expect(run.code).toBe(0);
    const lines = run.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const v = JSON.parse(lines[0] as string);
    expect(v).toMatchObject({
      name: 're4_dump',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      openssl: expect.stringMatching(/^OpenSSL 3\./),
      drbg: expect.stringContaining('CTR_DRBG AES-256'),
      reseed_policy: { max_generate_calls: 65_536, max_bytes: 1_073_741_824, max_seconds: 60 },
      max_request_bytes: 65_536,
      build: { libcrypto: 'static', test_hooks: false, flags: expect.stringContaining('-Werror') },
    });
    expect(v.build.flags).toContain('-Wextra');
    // The commit is the manifest's: a core that named it would change its hash with every commit.
    expect(v).not.toHaveProperty('git');
    expect(v.build.sanitizers).toBe(binary === builds.asan ? 'address undefined' : 'none');
  });

  test('--selftest prints one JSON line, passes every CAVP vector and exits 0', async () => {
    const run = await runCore(binary, ['--selftest']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.toString().trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0] as string);
    expect(report.selftest).toBe('pass');
    expect(report.vectors).toBe(5);
    const names: string[] = report.tests.map((t: { name: string }) => t.name);
    // instantiate + generate, reseed, and prediction resistance are each covered by a vector
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringContaining('/no_reseed/'),
        expect.stringContaining('/pr_false_reseed/'),
        expect.stringContaining('/pr_true/'),
        'noise_startup_health',
        'drbg_instantiate_generate',
      ]),
    );
    for (const t of report.tests) expect(t).toEqual({ name: t.name, result: 'pass' });
  });

  test('--status-fd writes a JSON status line when streaming starts', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(binary, ['-n', '100000', '--status-fd', '3'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let status = '';
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (s: string) => (status += s));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const first = JSON.parse(status.split('\n')[0] as string);
    expect(first).toMatchObject({
      event: 'ready',
      reseeds: 0,
      generate_calls: 0,
      noise_samples: 1024,
      prediction_resistance: false,
    });
  });
});
