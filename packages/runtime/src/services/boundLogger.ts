// A logger that adds fixed fields to every line: the logger's own child() when it has one, else a wrapper.
import type { Logger } from '@lucent/core';

type LogFields = Parameters<Logger['info']>[1];

export function boundLogger(logger: Logger, fields: NonNullable<LogFields>): Logger {
  if (logger.child) return logger.child(fields);
  const merged = (extra: LogFields) => ({ ...fields, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merged(extra)),
    info: (message, extra) => logger.info(message, merged(extra)),
    warn: (message, extra) => logger.warn(message, merged(extra)),
    error: (message, extra) => logger.error(message, merged(extra)),
    child: (more) => boundLogger(logger, { ...fields, ...more }),
  };
}
