// What each proof level runs: the batteries, their exact command lines and what feeds them. Pure data.

export type Level = 'quick' | 'standard' | 'full';
export const LEVELS: readonly Level[] = ['quick', 'standard', 'full'];

/** The third-party tools scripts/proof/tools.sh builds; a battery that needs an absent one is skipped. */
export type ThirdParty = 'practrand' | 'testu01' | 'sp800-90b';

export interface ToolPaths {
  readonly practrand?: string; // RNG_test
  readonly testu01?: string; // testu01-stdin (this repository's harness)
  readonly nonIid?: string; // ea_non_iid
  readonly restart?: string; // ea_restart
}

export type Parser = 'rngtest' | 'ent' | 'dieharder' | 'practrand' | 'testu01' | 'non-iid' | 'restart';

/**
 * Where a battery's bytes come from: the generator's output on stdin (the whole stream, or exactly
 * `bytes`), or a file of raw jitter samples made by the diagnostic build.
 */
export type Input =
  | { readonly kind: 'stream'; readonly bytes?: number }
  | { readonly kind: 'raw-jitter'; readonly samples: number }
  | { readonly kind: 'restarts'; readonly restarts: number; readonly samples: number };

export interface Battery {
  readonly id: string;
  readonly title: string;
  readonly needs?: ThirdParty;
  readonly parser: Parser;
  readonly input: Input;
  /** argv; "{file}" stands for the input file of file-fed batteries, "{h_i}" for ea_restart's H_I. */
  readonly command: readonly string[];
  /** Also run on the negative control (output batteries only; SP 800-90B assesses the raw source). */
  readonly control: boolean;
}

const MB = 1_000_000;

/** The dieharder subset of the quick level: fast tests (about 20 s together) spanning its families. */
export const DIEHARDER_QUICK = [
  { id: 0, name: 'diehard_birthdays' },
  { id: 1, name: 'diehard_operm5' },
  { id: 3, name: 'diehard_rank_6x8' },
  { id: 15, name: 'diehard_runs' },
  { id: 100, name: 'sts_monobit' },
  { id: 202, name: 'rgb_permutations' },
  { id: 203, name: 'rgb_lagged_sum' },
] as const;

// Each dieharder run reads stdin (-g 200) with its own buffer: the next test starts on fresh bytes.
const dieharderSubset = [
  'sh',
  '-c',
  `for d in ${DIEHARDER_QUICK.map((t) => t.id).join(' ')}; do dieharder -g 200 -d "$d" || exit; done`,
];

function rngtest(): Battery {
  // 2,000 FIPS 140-2 blocks of 20,000 bits: 5 MB.
  return { id: 'rngtest', title: 'rngtest (FIPS 140-2)', parser: 'rngtest', input: { kind: 'stream', bytes: 5 * MB },
    command: ['rngtest', '-c', '2000'], control: true };
}

function ent(): Battery {
  return { id: 'ent', title: 'ent', parser: 'ent', input: { kind: 'stream', bytes: 16 * MB }, command: ['ent', '-t'],
    control: true };
}

function dieharder(all: boolean): Battery {
  return all
    ? { id: 'dieharder', title: 'dieharder -a', parser: 'dieharder', input: { kind: 'stream' },
        command: ['dieharder', '-g', '200', '-a'], control: false }
    : { id: 'dieharder', title: `dieharder (subset: ${DIEHARDER_QUICK.map((t) => t.name).join(', ')})`,
        parser: 'dieharder', input: { kind: 'stream' }, command: dieharderSubset, control: true };
}

function practrand(t: ToolPaths, length: string, multithreaded: boolean): Battery {
  return { id: 'practrand', title: `PractRand 0.94 to ${length}`, needs: 'practrand', parser: 'practrand',
    input: { kind: 'stream' },
    command: [t.practrand ?? 'RNG_test', 'stdin', '-tlmax', length, ...(multithreaded ? ['-multithreaded'] : [])],
    control: true };
}

function testu01(t: ToolPaths, battery: 'smallcrush' | 'crush' | 'bigcrush', title: string): Battery {
  return { id: `testu01-${battery}`, title: `TestU01 1.2.3 ${title}`, needs: 'testu01', parser: 'testu01',
    input: { kind: 'stream' }, command: [t.testu01 ?? 'testu01-stdin', battery], control: battery === 'smallcrush' };
}

function nonIid(t: ToolPaths): Battery {
  return { id: 'sp800-90b-non-iid', title: 'SP 800-90B ea_non_iid (raw jitter, 1,000,000 samples)',
    needs: 'sp800-90b', parser: 'non-iid', input: { kind: 'raw-jitter', samples: 1_000_000 },
    command: [t.nonIid ?? 'ea_non_iid', '-v', '{file}', '8'], control: false };
}

function restart(t: ToolPaths): Battery {
  return { id: 'sp800-90b-restart', title: 'SP 800-90B ea_restart (1,000 restarts x 1,000 samples)',
    needs: 'sp800-90b', parser: 'restart', input: { kind: 'restarts', restarts: 1000, samples: 1000 },
    command: [t.restart ?? 'ea_restart', '-v', '{file}', '8', '{h_i}'], control: false };
}

/** The batteries of a level, in the order they run (SP 800-90B's restart test needs non_iid's H_I first). */
export function plan(level: Level, t: ToolPaths): Battery[] {
  switch (level) {
    case 'quick':
      // No restart test here: 1,000 process starts and ea_restart take minutes, beyond CI's 3-minute budget.
      return [rngtest(), ent(), dieharder(false), practrand(t, '1GB', false), testu01(t, 'smallcrush', 'SmallCrush'),
        nonIid(t)];
    case 'standard':
      return [rngtest(), ent(), dieharder(true), practrand(t, '64GB', true), testu01(t, 'crush', 'Crush'), nonIid(t),
        restart(t)];
    case 'full':
      return [rngtest(), ent(), dieharder(true), practrand(t, '1TB', true), testu01(t, 'bigcrush', 'BigCrush'),
        nonIid(t), restart(t)];
  }
}

/** The negative control's batteries: the quick subset of output batteries, whatever the level. */
export function controlPlan(t: ToolPaths): Battery[] {
  return plan('quick', t).filter((b) => b.control);
}
