// The typed error for a schedule that cannot be stored: bad cron, unknown trigger kind, bad timer fields.
import { LucentError } from '../errors/errors.js';

/**
 * A schedule request the scheduler refuses before storing anything. `field` names what to
 * fix: `cron`, `kind`, `handler`, `dueAt`, `payload`, `waitKey`, `timeoutMs`, `misfire`...
 */
export class ScheduleInvalidError extends LucentError {
  readonly field: string;

  constructor(field: string, message: string, details?: Record<string, unknown>) {
    super('SCHEDULE_INVALID', message, { field, ...details });
    this.field = field;
  }
}
