// The shell's logger: pino underneath, shaped as the core's observe-only Logger.
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import type { LogFields, Logger } from '@lucent/core';

export function pinoLogger(base: PinoLogger): Logger {
  return {
    debug: (message: string, fields?: LogFields) => base.debug(fields ?? {}, message),
    info: (message: string, fields?: LogFields) => base.info(fields ?? {}, message),
    warn: (message: string, fields?: LogFields) => base.warn(fields ?? {}, message),
    error: (message: string, fields?: LogFields) => base.error(fields ?? {}, message),
    child: (fields: LogFields) => pinoLogger(base.child(fields)),
  };
}

/** A pino logger writing JSON lines to stdout; level from LUCENT_LOG_LEVEL (default info). */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pinoLogger(pino({ level: process.env['LUCENT_LOG_LEVEL'] ?? 'info', ...options }));
}
