import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerSigningMessage } from '../vrf/answer.js';
import { ecvrfProver, ecvrfVerify } from '../vrf/ecvrf.js';
import { mlDsaImplementation, nodeMlDsa65 } from '../vrf/node/mldsa-node.js';
import { nodeProvider } from '../vrf/node/provider.js';
import { openKeyring, type KeyringKey } from '../service/vrf/keyring.js';
import { fmt, freePort, median, waitFor, wrkPeak } from './load.js';

/**
 * `npm run bench:vrf [-- --quick]`: /vrf against its own cryptography, in one run.
 *   /vrf with one VRF thread and with the default (one per CPU), to show how it scales with CPUs;
 *   composite prove+sign: the raw ECVRF prove (libsodium backend, as the service uses) and the raw ML-DSA-65
 *     sign (the native module where built, else node:crypto: the row names it), in this process, one thread; the service's answers/s against it (goal >= 0.7x) and
 *     its absolute rate (goal >= 1,000 answers/s on this machine);
 *   composite verify: the raw ECVRF verify and ML-DSA-65 verify, in this process; `r4 verify` of a file of
 *     answers (a process, start-up included) against it (goal >= 0.6x).
 * The composites are measured before and after the service's run and the median kept (the machine is shared
 * and noisy: only same-run ratios mean anything). Bounded: every loop has a count and a time limit.
 */
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 1 : 3;
const PEAK_SECONDS = quick ? 2 : 5;
const LOOP_MS = quick ? 500 : 2_000;
const LOOP_MAX = 20_000;
const ANSWERS_TO_VERIFY = quick ? 200 : 2_000;
const CONNECTIONS = 16;
const KEY = 'bench-key-0123456789abcdef0123456789';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Operations per second of `op`, run for LOOP_MS (at most LOOP_MAX times). */
function rate(op: (i: number) => void): number {
  for (let i = 0; i < 20; i++) op(i);
  const start = performance.now();
  let n = 0;
  while (n < LOOP_MAX && performance.now() - start < LOOP_MS) op(n++);
  return n / ((performance.now() - start) / 1000);
}

interface Composite {
  prove: number;
  sign: number;
  proveSign: number;
  verify: number;
}

function composite(key: KeyringKey, message: Uint8Array): Composite {
  const alphas = Array.from({ length: 64 }, (_, i) => Uint8Array.of(i, 0xa5));
  const proofs = alphas.map((alpha) => key.prover.prove(alpha));
  const signature = key.signer.sign(message);
  const vrfPublicKey = key.prover.publicKey;
  return {
    prove: rate((i) => key.prover.prove(alphas[i % 64]!)),
    sign: rate(() => key.signer.sign(message)),
    proveSign: rate((i) => {
      key.prover.prove(alphas[i % 64]!);
      key.signer.sign(message);
    }),
    verify: rate((i) => {
      if (!ecvrfVerify(vrfPublicKey, alphas[i % 64]!, proofs[i % 64]!, nodeProvider.edwards).valid) throw new Error('a proof did not verify');
      if (!nodeMlDsa65.verify(key.signer.publicKey, message, signature)) throw new Error('a signature did not verify');
    }),
  };
}

function startService(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(root, 'dist', 'service', 'main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function fetchAnswers(url: string, count: number): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (let i = 0; i < count; i += 16) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, count - i) }, async (_, j) => {
        const response = await fetch(`${url}/vrf?alpha=${(i + j).toString(16).padStart(8, '0')}`, { headers: { 'x-api-key': KEY } });
        if (response.status !== 200) throw new Error(`/vrf answered ${response.status}`);
        return (await response.json()) as unknown;
      }),
    );
    answers.push(...batch);
  }
  return answers;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'r4-bench-vrf-'));
  let service: ChildProcess | undefined;
  try {
    const keysetPath = join(dir, 'keyset.json');
    const keygen = spawnSync(process.execPath, [join(root, 'dist', 'service', 'vrf', 'keygen.js'), keysetPath], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (keygen.status !== 0) throw new Error('keygen failed');
    const opened = openKeyring(readFileSync(keysetPath, 'utf8'));
    if (!opened.ok) throw new Error(opened.reason);
    const key = opened.keyring.keys[0]!;
    // A message the size of a real answer's signed encoding.
    const message = answerSigningMessage({
      suite: 'ECVRF-EDWARDS25519-SHA512-TAI', signature_algorithm: 'ML-DSA-65', appliance: 'bench/vrf', key_id: key.material.key_id,
      core_sha256: 'a'.repeat(64), alpha: 'a5a5', proof: 'b'.repeat(160), random: 'c'.repeat(128), vrf_public_key: key.material.vrf_public_key,
      public_key: key.material.public_key, issued_at: new Date().toISOString(),
    });
    const noble = ecvrfProver(Buffer.from(key.material.vrf_secret_key, 'hex'));
    const nobleProve = rate((i) => noble.prove(Uint8Array.of(i & 0xff)));
    const before = composite(key, message);

    /** /vrf's peak with `threads` VRF threads: the median of ROUNDS runs; the service is left running. */
    const serve = async (threads: number) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      service = startService({ API_KEY: KEY, API_HOST: '127.0.0.1', PORT: String(port), R4_VRF_KEYSET_FILE: keysetPath, LOG_LEVEL: 'warn', RATE_LIMIT_RPS: '0', RATE_LIMIT_IP_RPS: '0', VRF_WORKER_THREADS: String(threads) });
      await waitFor(`${url}/health`);
      const vrfUrl = `${url}/vrf?alpha=0123456789abcdef`;
      await wrkPeak(vrfUrl, { seconds: 1, connections: CONNECTIONS, headers: { 'x-api-key': KEY } });
      const peaks: number[] = [];
      let refused = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const run = await wrkPeak(vrfUrl, { seconds: PEAK_SECONDS, connections: CONNECTIONS, headers: { 'x-api-key': KEY } });
        peaks.push(run.rps);
        refused += run.non2xx;
      }
      return { url, answersPerS: median(peaks), refused };
    };
    const stop = async () => {
      const running = service;
      service = undefined;
      if (running === undefined || running.exitCode !== null) return;
      running.kill('SIGTERM');
      await once(running, 'exit');
    };
    const single = await serve(1);
    await stop();
    const threads = availableParallelism();
    const { url, answersPerS, refused } = await serve(threads);
    const answers = await fetchAnswers(url, ANSWERS_TO_VERIFY);
    const keysResponse = await fetch(`${url}/vrf/keys`, { headers: { 'x-api-key': KEY } });
    writeFileSync(join(dir, 'keys.json'), await keysResponse.text());
    writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
    await stop();

    const started = performance.now();
    const verify = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'verify', join(dir, 'answers.json'), '--trust', join(dir, 'keys.json')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const verifySeconds = (performance.now() - started) / 1000;
    if (verify.status !== 0) throw new Error(`r4 verify failed (exit ${verify.status}): ${verify.stdout.split('\n').filter((l) => l.startsWith('FAIL')).slice(0, 3).join('; ')}`);
    const cliPerS = ANSWERS_TO_VERIFY / verifySeconds;

    const after = composite(key, message);
    const proveSign = median([before.proveSign, after.proveSign]);
    const verifyRate = median([before.verify, after.verify]);
    const rows: [string, string][] = [
      ['ECVRF prove, noble (portable)', `${fmt(nobleProve)}/s`],
      ['ECVRF prove, libsodium backend', `${fmt(median([before.prove, after.prove]))}/s`],
      [`ML-DSA-65 sign, ${mlDsaImplementation()}`, `${fmt(median([before.sign, after.sign]))}/s`],
      ['composite prove+sign (1 thread)', `${fmt(proveSign)}/s`],
      [`composite verify (ECVRF on ${nodeProvider.edwards.name} + ML-DSA on ${mlDsaImplementation()}, 1 thread)`, `${fmt(verifyRate)}/s`],
      [`/vrf answers, 1 VRF thread (${CONNECTIONS} connections, wrk, median of ${ROUNDS})`, `${fmt(single.answersPerS)}/s (${single.refused} not 2xx)`],
      [`/vrf answers, ${threads} VRF threads (the default: one per CPU)`, `${fmt(answersPerS)}/s (${refused} not 2xx)`],
      [`r4 verify of ${ANSWERS_TO_VERIFY} answers (process, start-up included)`, `${fmt(cliPerS)}/s in ${fmt(verifySeconds, 2)} s`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`bench:vrf${quick ? ' (quick)' : ''} on ${process.version}`);
    for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
    const goals: [string, number, number][] = [
      ['/vrf answers/s ÷ composite prove+sign', answersPerS / proveSign, 0.7],
      ['r4 verify/s ÷ composite verify', cliPerS / verifyRate, 0.6],
      ['/vrf answers/s ÷ 1,000', answersPerS / 1000, 1],
    ];
    console.log(`  ${`/vrf with ${threads} threads ÷ with 1`.padEnd(width)}  ${fmt(answersPerS / single.answersPerS, 2)} (how /vrf scales with the CPUs it gets)`);
    for (const [name, ratio, goal] of goals) console.log(`  ${name.padEnd(width)}  ${fmt(ratio, 3)} (goal >= ${goal}) ${ratio >= goal ? 'met' : 'MISSED'}`);
  } finally {
    service?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
