// Type tests for @LucentFunction: a method narrower than the contract fits; a wrong return type does not compile.
import { z } from 'zod';
import { LucentFunction } from '@lucent/core';

const input = z.object({ x: z.number() });
const output = z.object({ y: z.number() });

export class Decorated {
  // One argument and a synchronous return are enough: ctx is optional to the method.
  @LucentFunction({ name: 'typetest.narrow', version: '1.0.0', input, output })
  static narrow(i: { x: number }): { y: number } {
    return { y: i.x };
  }

  // @ts-expect-error the method returns { z }, the output contract wants { y }
  @LucentFunction({ name: 'typetest.wrongOutput', version: '1.0.0', input, output })
  static wrongOutput(i: { x: number }): { z: number } {
    return { z: i.x };
  }
}
