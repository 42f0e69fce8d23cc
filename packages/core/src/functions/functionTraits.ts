// How heavy and how urgent a function is: the metadata the router weighs against shard capacity and load.

export type Priority = 'low' | 'normal' | 'high' | 'critical';

/** Relative weights (1 = light, 10 = heaviest) a router matches against shard capacity. */
export interface ResourceClass {
  readonly cpu: number;
  readonly memory: number;
}
