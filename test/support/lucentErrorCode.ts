// Test support: the LucentError code a call fails with, so a spec can assert on the code alone.
import { expect } from 'vitest';
import { LucentError } from '@lucent/core';

/** The code of the typed error `p` rejects with; fails the test when `p` resolves or rejects with anything else. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LucentError);
    return (e as LucentError).code;
  }
  throw new Error('expected a typed error');
}
