/** The core's status lines (`--status-fd`) and its one-line JSON error on stderr, as plain data. */

export interface CoreCounters {
  reseeds: number;
  generate_calls: number;
  bytes: number;
  noise_samples: number;
  rdseed: boolean;
  rdseed_words: number;
  prediction_resistance: boolean;
}

export interface CoreStatus {
  event: 'ready' | 'reseed';
  counters: CoreCounters;
}

const COUNTERS = ['reseeds', 'generate_calls', 'bytes', 'noise_samples', 'rdseed_words'] as const;

/** One status line, or null for anything that is not a well-formed status (it is then ignored, not trusted). */
export function parseStatusLine(line: string): CoreStatus | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  if (record.event !== 'ready' && record.event !== 'reseed') return null;
  for (const name of COUNTERS) {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return null;
  }
  if (typeof record.rdseed !== 'boolean' || typeof record.prediction_resistance !== 'boolean') return null;
  return {
    event: record.event,
    counters: {
      reseeds: record.reseeds as number,
      generate_calls: record.generate_calls as number,
      bytes: record.bytes as number,
      noise_samples: record.noise_samples as number,
      rdseed: record.rdseed,
      rdseed_words: record.rdseed_words as number,
      prediction_resistance: record.prediction_resistance,
    },
  };
}

/** The core's JSON error line (`{"error":..,"test":..,"detail":..,"exit_code":..}`), the last one if several. */
export interface CoreError {
  error: string;
  test?: string;
  detail?: string;
  exit_code?: number;
}

export function parseCoreError(stderr: string): CoreError | null {
  const lines = stderr.trim().split('\n').reverse();
  for (const line of lines) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue; // a sanitizer report or a usage message, not the core's verdict
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { error?: unknown }).error !== 'string') continue;
    const { error, test, detail, exit_code: exitCode } = parsed as Record<string, unknown>;
    return {
      error: error as string,
      ...(typeof test === 'string' ? { test } : {}),
      ...(typeof detail === 'string' ? { detail } : {}),
      ...(typeof exitCode === 'number' ? { exit_code: exitCode } : {}),
    };
  }
  return null;
}

/**
 * Why the core stopped, for /version and the logs, in words: its own error line when it wrote one, else the
 * last line it wrote, with the exit code or signal.
 */
export function describeCoreExit(stderr: string, code: number | null, signal: string | null): string {
  const how = signal !== null ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`;
  const error = parseCoreError(stderr);
  if (error !== null) {
    const where = error.test === undefined ? '' : ` in ${error.test}`;
    const why = error.detail === undefined ? '' : `: ${error.detail}`;
    return `${error.error}${where}${why} (${how})`;
  }
  const last = stderr.trim().split('\n').filter((l) => l.trim() !== '').pop();
  return last === undefined ? how : `${how}: ${last.slice(0, 300)}`;
}
