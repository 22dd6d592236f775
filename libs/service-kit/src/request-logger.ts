import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];

/** The service logger as far as this file uses it: pino's, which Fastify builds from the kit's options. */
interface ServiceLogger extends FastifyBaseLogger {
  isLevelEnabled(level: string): boolean;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

function call(logger: FastifyBaseLogger, level: Level, args: unknown[]): void {
  (logger[level] as (...parts: unknown[]) => void).apply(logger, args);
}

/**
 * The logger a request gets as `request.log`. Fastify would make a pino child for every request, and a
 * pino child builds a log function per level and serializes its bindings whether anything is logged or
 * not. This one writes through the service logger with the request's bindings merged into the line, which
 * gives the same JSON, and makes a real child only for what it cannot pass through: a first argument
 * that is not a plain object or a string (an Error), `child()`, and a level of its own.
 */
export class RequestLogger {
  private own: FastifyBaseLogger | undefined;

  constructor(
    private readonly service: ServiceLogger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.own?.level ?? this.service.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.own === undefined
      ? this.service.isLevelEnabled(level)
      : (this.own as ServiceLogger).isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {
    // Nothing is written at silent.
  }

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    if (this.own !== undefined) return call(this.own, level, args);
    if (!this.service.isLevelEnabled(level)) return;
    const first = args[0];
    if (isPlainObject(first)) args[0] = { ...this.bindings, ...first };
    else if (typeof first === 'string') args.unshift(this.bindings);
    else return call(this.real(), level, args);
    call(this.service, level, args);
  }

  private real(): FastifyBaseLogger {
    this.own ??= this.service.child(this.bindings);
    return this.own;
  }
}

/**
 * Fastify's `childLoggerFactory`: a RequestLogger, unless the route sets its own log level or
 * serializers, which only a real child can honour.
 */
export const requestLoggerFactory: ChildLoggerFactory = (service, bindings, options) => {
  if (options.level !== undefined || options.serializers !== undefined) return service.child(bindings, options);
  return new RequestLogger(service as ServiceLogger, bindings) as unknown as FastifyBaseLogger;
};
