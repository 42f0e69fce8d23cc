// Latency percentiles from an HDR histogram (nanosecond resolution), so p99 is exact enough and memory stays flat.
import * as hdr from 'hdr-histogram-js';

/** Values are recorded in nanoseconds; one hour is the largest a single sample may be. */
const highestNs = 3_600 * 1e9;

export class LatencyRecorder {
  private readonly histogram = hdr.build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: 1,
    highestTrackableValue: highestNs,
    numberOfSignificantValueDigits: 3,
  });

  /** Record one sample given in milliseconds (what performance.now() differences are). */
  recordMs(ms: number): void {
    this.histogram.recordValue(Math.min(highestNs, Math.max(1, Math.round(ms * 1e6))));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** Percentile in microseconds; NaN when nothing was recorded. */
  percentileUs(p: number): number {
    if (this.histogram.totalCount === 0) return Number.NaN;
    return this.histogram.getValueAtPercentile(p) / 1e3;
  }

  /** Percentile in milliseconds; NaN when nothing was recorded. */
  percentileMs(p: number): number {
    return this.percentileUs(p) / 1e3;
  }
}
