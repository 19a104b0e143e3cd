import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type AnyLogFn = (...args: unknown[]) => void;

/**
 * Fastify gives every request a child logger with its request id bound in. Building a pino child costs
 * microseconds, more than the rest of a small request's work, and most requests log nothing but the access
 * line (written by the root logger with the id as a field). So the child is made on first use only.
 */
export class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.logger.fatal as AnyLogFn)(...args);
  }

  error(...args: unknown[]): void {
    (this.logger.error as AnyLogFn)(...args);
  }

  warn(...args: unknown[]): void {
    (this.logger.warn as AnyLogFn)(...args);
  }

  info(...args: unknown[]): void {
    (this.logger.info as AnyLogFn)(...args);
  }

  debug(...args: unknown[]): void {
    (this.logger.debug as AnyLogFn)(...args);
  }

  trace(...args: unknown[]): void {
    (this.logger.trace as AnyLogFn)(...args);
  }

  silent(...args: unknown[]): void {
    (this.logger.silent as AnyLogFn)(...args);
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

export function lazyChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
