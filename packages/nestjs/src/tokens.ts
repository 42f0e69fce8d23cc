// Injection tokens for Lucent's NestJS integration (explicit, so DI works without decorator metadata).
export const FUNCTION_MANAGER = Symbol.for('lucent.FunctionManager');
