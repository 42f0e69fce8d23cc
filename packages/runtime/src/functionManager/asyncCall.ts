// One async call in flight: its caller's promise, settled once, by the handler or by the deadline watch.
import { DeadlineExceededError, type AnyFunctionDefinition, type InvocationResult } from '@lucent/core';
import type { WatchedCall } from './deadlineWatch.js';

/** One async call in flight: its caller's promise, settled once, by the handler or by the deadline watch. */
export class AsyncCall implements WatchedCall {
  settled = false;
  constructor(
    readonly fn: AnyFunctionDefinition,
    /** The caller's deadline, or undefined when the call runs on its budget alone. */
    private readonly deadline: number | undefined,
    public expiresAt: number,
    readonly budgetMs: number,
    private readonly resolve: (result: InvocationResult<unknown>) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  succeed(result: InvocationResult<unknown>): void {
    this.settled = true;
    this.resolve(result);
  }

  fail(error: unknown): void {
    this.settled = true;
    this.reject(error);
  }

  expire(): void {
    if (this.settled) return;
    this.fail(new DeadlineExceededError(this.fn.name, this.deadline ?? this.expiresAt));
  }
}
