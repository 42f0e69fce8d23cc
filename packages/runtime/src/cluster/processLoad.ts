// Samples this process's CPU, memory and event-loop lag between two load reports.
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

export interface ProcessLoadSample {
  /** CPU time over wall time since the last sample, 0..1 (one event loop uses at most one core's worth). */
  readonly cpu: number;
  readonly memoryMb: number;
  /** Heap used against V8's heap limit, 0..1. */
  readonly memoryFraction: number;
  /** p99 of the event-loop delay since the last sample, ms. */
  readonly eventLoopLagMs: number;
}

export class ProcessLoad {
  private readonly delay: IntervalHistogram;
  private lastCpu = process.cpuUsage();
  private lastWall = process.hrtime.bigint();
  private readonly heapLimit = getHeapStatistics().heap_size_limit;
  /** Worker threads can use more than one core; the event loop cannot. */
  readonly cores = availableParallelism();

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
  }

  sample(): ProcessLoadSample {
    const cpu = process.cpuUsage(this.lastCpu);
    const wall = process.hrtime.bigint();
    const wallUs = Number(wall - this.lastWall) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastWall = wall;
    const mem = process.memoryUsage();
    // The histogram counts the timer's resolution as delay too; subtract it so an idle loop reads ~0.
    const lagMs = this.delay.count > 0 ? Math.max(0, this.delay.percentile(99) / 1e6 - 10) : 0;
    this.delay.reset();
    return {
      cpu: wallUs > 0 ? Math.min(1, (cpu.user + cpu.system) / wallUs) : 0,
      memoryMb: Math.round(mem.rss / 1_048_576),
      memoryFraction: Math.min(1, mem.heapUsed / this.heapLimit),
      eventLoopLagMs: Math.round(lagMs * 100) / 100,
    };
  }

  stop(): void {
    this.delay.disable();
  }
}
