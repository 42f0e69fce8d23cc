// What the console's history endpoints read (event store, saga runners, timers, projections, replay), and the tokens a module provides them under.
import type { CanActivate } from '@nestjs/common';
import type { Decider, DomainEvent } from '@lucent/core';
import type { EventStore, ProjectionStore, ReplayInvoker, TimerStore } from '@lucent/runtime';

/** The fold of a function's streams, as `lucent replay` takes it. */
export type ReplayDecider = Pick<Decider<unknown, DomainEvent, unknown>, 'initialState' | 'evolve'>;

/**
 * The ports the history endpoints read, all optional but the event store: an endpoint whose
 * source is missing answers 503 UNAVAILABLE saying which option to give. Nothing here is written to.
 */
export interface ConsoleHistorySources {
  /** Events by position and by stream; saga streams and indexes; the head projections are measured against. */
  readonly events: EventStore;
  /** The saga runners' `name` options (their streams `<name>-<id>`, indexes `<name>.index`); `saga` is the runner's default. */
  readonly sagaRunners?: readonly string[];
  /** Cron jobs, armed timers and external waits. */
  readonly timers?: TimerStore;
  /** How many of a cron job's last runs are shown (default 5). */
  readonly cronRuns?: number;
  /** Checkpoints of these projections (the names their Projectors run under). */
  readonly projections?: { readonly store: ProjectionStore; readonly names: readonly string[] };
  /**
   * Replay: `functions` must hold every version a replay may name (a FunctionManager runs a version
   * past the live rules); `deciders` gives, per decision function, the fold of the streams it decides on.
   */
  readonly replay?: { readonly functions: ReplayInvoker; readonly deciders: Readonly<Record<string, ReplayDecider>> };
}

/** The ConsoleHistorySources the console module was given (its `history` option). */
export const CONSOLE_HISTORY_SOURCES = Symbol.for('lucent.console.HistorySources');

/**
 * The guard every history route runs, provided by the console module: with auth on, one that
 * needs a verified token (any role may read); with auth off, one that lets every request in.
 * Required: a module that forgets it fails at start instead of serving history unguarded.
 */
export const CONSOLE_READ_GUARD = Symbol.for('lucent.console.ReadGuard');

export type ConsoleReadGuard = CanActivate;
