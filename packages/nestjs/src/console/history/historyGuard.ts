// The guard on every history route: it runs the read guard the console module provides (CONSOLE_READ_GUARD).
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { CONSOLE_READ_GUARD } from './consoleHistorySources.js';

@Injectable()
export class ConsoleHistoryGuard implements CanActivate {
  constructor(@Inject(CONSOLE_READ_GUARD) private readonly guard: CanActivate) {}

  canActivate(context: ExecutionContext): ReturnType<CanActivate['canActivate']> {
    return this.guard.canActivate(context);
  }
}
