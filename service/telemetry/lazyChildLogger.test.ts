import { jest } from '@jest/globals';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { withLazyChildren } from './lazyChildLogger.js';

describe('withLazyChildren', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ base: null, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    return { logger, lines };
  }

  it('makes no pino child until one logs, then binds every ancestor', () => {
    const { logger, lines } = capture();
    const childSpy = jest.spyOn(logger, 'child');
    const root = withLazyChildren(logger as unknown as FastifyBaseLogger);
    const app = root.child({ app: 'a' }, {});
    const request = app.child({ reqId: 'req-1' }, {});
    expect(childSpy).not.toHaveBeenCalled();
    request.warn({ detail: 'x' }, 'slow');
    expect(lines).toEqual([{ level: 40, app: 'a', reqId: 'req-1', detail: 'x', msg: 'slow' }]);
    expect(request.level).toBe('info');
  });

  it('logs through the root as the root does', () => {
    const { logger, lines } = capture();
    withLazyChildren(logger as unknown as FastifyBaseLogger).info('listening');
    expect(lines).toEqual([{ level: 30, msg: 'listening' }]);
  });
});
