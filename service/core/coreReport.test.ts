import { describeCoreExit, parseCoreError, parseStatusLine } from './coreReport.js';

const READY =
  '{"event":"ready","reseeds":0,"generate_calls":0,"bytes":0,"noise_samples":1024,"rdseed":true,"rdseed_words":4,"prediction_resistance":false}';

describe('parseStatusLine', () => {
  it('reads the core ready line', () => {
    expect(parseStatusLine(READY)).toEqual({
      event: 'ready',
      counters: {
        reseeds: 0,
        generate_calls: 0,
        bytes: 0,
        noise_samples: 1024,
        rdseed: true,
        rdseed_words: 4,
        prediction_resistance: false,
      },
    });
  });

  it('reads a reseed line', () => {
    expect(parseStatusLine(READY.replace('"ready"', '"reseed"').replace('"reseeds":0', '"reseeds":16'))?.counters.reseeds).toBe(16);
  });

  it.each([
    'not json',
    '[]',
    '{"event":"other","reseeds":0}',
    READY.replace('"reseeds":0', '"reseeds":-1'),
    READY.replace('"bytes":0', '"bytes":"0"'),
    READY.replace('"rdseed":true', '"rdseed":1'),
    READY.replace(',"prediction_resistance":false', ''),
  ])('ignores %s', (line) => expect(parseStatusLine(line)).toBeNull());
});

describe('describeCoreExit', () => {
  it('quotes the core JSON error line', () => {
    const stderr =
      '{"error":"health_test_failure","test":"repetition_count","detail":"noise source repeated one value 61 times (cutoff 61)","exit_code":4}\n';
    expect(describeCoreExit(stderr, 4, null)).toBe(
      'health_test_failure in repetition_count: noise source repeated one value 61 times (cutoff 61) (exit code 4)',
    );
  });

  it('falls back to the signal, or the last line of free text', () => {
    expect(describeCoreExit('', null, 'SIGKILL')).toBe('killed by SIGKILL');
    expect(describeCoreExit('usage: re4_dump ...\nbad flag\n', 2, null)).toBe('exit code 2: bad flag');
    expect(describeCoreExit('', null, null)).toBe('exit code unknown');
  });
});

describe('parseCoreError', () => {
  it('keeps the fields of the core error line, and only those', () => {
    const stderr = 'AddressSanitizer: noise\n{"error":"drbg_failure","test":"generate","detail":"refused","exit_code":6,"extra":1}\n';
    expect(parseCoreError(stderr)).toEqual({ error: 'drbg_failure', test: 'generate', detail: 'refused', exit_code: 6 });
  });

  it('is null without one', () => {
    expect(parseCoreError('')).toBeNull();
    expect(parseCoreError('usage: re4_dump\n{"not":"an error"}\n')).toBeNull();
  });
});
