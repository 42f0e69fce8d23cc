// POST /console/api/replay: run a candidate version over a stream's recorded decisions and report the diverged ones; writes nothing.
import { Body, Controller, HttpCode, Inject, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ValidationError } from '@lucent/core';
import { replayStream } from '@lucent/runtime';
import { LucentExceptionFilter } from '../../errors/lucentExceptionFilter.js';
import { ContractPipe } from '../../pipes/contractPipe.js';
import { CONSOLE_HISTORY_SOURCES, type ConsoleHistorySources } from './consoleHistorySources.js';
import { ConsoleHistoryGuard } from './historyGuard.js';
import { replayBody, type ReplayBody } from './historyRequests.js';
import { unavailable } from './unavailable.js';

export interface DivergedDecision {
  /** Stream versions of the batch the decision wrote (first and last). */
  readonly position: number;
  readonly toPosition: number;
  /** Where the events first differ (`0.data.size`), null when the candidate failed instead. */
  readonly path: string | null;
  /** The stored value at `path`. */
  readonly expected: unknown;
  /** The candidate's value at `path`, or its error. */
  readonly actual: unknown;
  readonly error: { readonly code: string; readonly message: string } | null;
}

export interface ReplayAnswer {
  readonly streamId: string;
  readonly function: string;
  readonly version: string;
  /** Events in the stream. */
  readonly events: number;
  /** Decisions of `function` recorded in the stream, each run again with `version`. */
  readonly decisions: number;
  readonly diverged: DivergedDecision[];
}

@Controller('console/api/replay')
@UseGuards(ConsoleHistoryGuard)
@UseFilters(LucentExceptionFilter)
export class ConsoleReplayController {
  constructor(@Inject(CONSOLE_HISTORY_SOURCES) private readonly sources: ConsoleHistorySources) {}

  @Post()
  @HttpCode(200)
  async replay(@Body(ContractPipe(replayBody, { subject: 'replay request' })) body: ReplayBody): Promise<ReplayAnswer> {
    const { replay, events } = this.sources;
    if (replay === undefined) throw unavailable('functions to replay with', 'replay');
    const decider = replay.deciders[body.function];
    if (decider === undefined) {
      const known = Object.keys(replay.deciders).join(', ') || 'none';
      throw new ValidationError('input', 'replay request', [{ path: 'function', message: `no decider for ${body.function}; replayable functions: ${known}` }]);
    }
    // An unknown version is FUNCTION_NOT_FOUND (404) before any stream is read.
    replay.functions.lookup(body.function, body.version);
    const report = await replayStream(events, replay.functions, decider, body.streamId, { version: body.version, function: body.function });
    const decisions = report.batches.filter((b) => b.function === body.function);
    const diverged = decisions
      .filter((b) => b.status === 'diverged')
      .map(
        (b): DivergedDecision => ({
          position: b.fromVersion,
          toPosition: b.toVersion,
          path: b.difference?.path ?? null,
          expected: b.difference?.stored ?? null,
          actual: b.difference === undefined ? (b.error ?? null) : (b.difference.replayed ?? null),
          error: b.error ?? null,
        }),
      );
    return { streamId: body.streamId, function: body.function, version: body.version, events: report.events, decisions: decisions.length, diverged };
  }
}
