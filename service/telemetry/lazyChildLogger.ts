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

  /** The pino child itself, made now if it was not yet (and its lazy ancestors with it). */
  private get logger(): FastifyBaseLogger {
    if (this.made === null) {
      const parent = this.parent instanceof LazyChildLogger ? this.parent.logger : this.parent;
      this.made = parent.child(this.bindings, this.options);
    }
    return this.made;
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
    return new LazyChildLogger(this, bindings, options ?? {});
  }
}

/**
 * The logger to give Fastify: the process's logger, whose children are lazy. Fastify derives its own logger
 * from it with child() and each request's logger from that, with child() again (a custom childLoggerFactory
 * could do the same, but Fastify then checks every logger it returns for the seven methods, on every request).
 */
export function withLazyChildren(logger: FastifyBaseLogger): FastifyBaseLogger {
  // The way pino makes its own children: a new object whose prototype is the parent.
  const root = Object.create(logger) as FastifyBaseLogger;
  root.child = (bindings, options) => new LazyChildLogger(logger, bindings, options ?? {});
  return root;
}
