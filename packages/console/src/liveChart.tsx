// A uPlot line chart of one figure per shard over the last 5 minutes, fed by the store's cluster samples.
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { num } from './format.js';
import { windowSec, type Sample } from './store.js';

export const palette = ['#1f5fbf', '#b3261e', '#1b7a3a', '#8a4f00', '#6b3fa0', '#006d77', '#9c2c77', '#4a5560'];

/** Columns for uPlot: times, then one series per key (null where a sample lacks it). */
export function chartData(samples: readonly Sample[], pick: (s: Sample) => Record<string, number>): { keys: string[]; data: (number | null)[][] } {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(pick(s))))].sort();
  const data: (number | null)[][] = [samples.map((s) => s.t)];
  for (const key of keys) data.push(samples.map((s) => pick(s)[key] ?? null));
  return { keys, data };
}

interface Props {
  title: string;
  unit: string;
  samples: readonly Sample[];
  pick: (s: Sample) => Record<string, number>;
  testId: string;
}

export function LiveChart({ title, unit, samples, pick, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [UPlot, setUPlot] = useState<typeof uPlot | null>(null);
  useEffect(() => {
    void import('./uplot.js').then((m) => setUPlot(() => m.default));
  }, []);
  const plot = useRef<{ chart: uPlot; keys: string } | null>(null);
  const { keys, data } = chartData(samples, pick);
  // The x range follows the newest sample; a ref, since uPlot keeps the range function it was built with.
  const now = useRef(0);
  now.current = samples.length > 0 ? samples[samples.length - 1]!.t : Date.now() / 1000;

  useEffect(() => {
    const el = box.current;
    if (el === null || UPlot === null) return;
    const signature = keys.join('\n');
    const scales = { x: { time: true, range: (): [number, number] => [now.current - windowSec, now.current] }, y: { range: (_u: uPlot, _min: number, max: number): [number, number] => [0, Math.max(1, max * 1.1)] } };
    if (plot.current === null || plot.current.keys !== signature) {
      plot.current?.chart.destroy();
      const chart = new UPlot(
        {
          width: Math.max(280, el.clientWidth),
          height: 200,
          legend: { show: false },
          cursor: { show: false },
          scales,
          axes: [{ stroke: '#333' }, { stroke: '#333', label: unit, size: 60 }],
          series: [{}, ...keys.map((k, i) => ({ label: k, stroke: palette[i % palette.length], width: 2, spanGaps: false }))],
        },
        data as uPlot.AlignedData,
        el,
      );
      plot.current = { chart, keys: signature };
    } else {
      plot.current.chart.setData(data as uPlot.AlignedData);
    }
  });

  useEffect(() => {
    const onResize = (): void => {
      const el = box.current;
      if (el !== null && plot.current !== null) plot.current.chart.setSize({ width: Math.max(280, el.clientWidth), height: 200 });
    };
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.current?.chart.destroy();
      plot.current = null;
    };
  }, []);

  const latest = samples.length > 0 ? pick(samples[samples.length - 1]!) : {};
  const summary = keys.map((k) => `${k}: ${num(latest[k] ?? null)}`).join(', ');
  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>
        <strong>{title}</strong> <span class="muted">last 5 minutes</span>
      </figcaption>
      <div ref={box} role="img" aria-label={`${title}, last 5 minutes. Now: ${summary || 'no samples yet'}`} />
      <ul class="legend">
        {keys.map((k, i) => (
          <li key={k}>
            <span class="swatch" style={{ background: palette[i % palette.length] }} aria-hidden="true" />
            {k}: {num(latest[k] ?? null)} {unit}
          </li>
        ))}
      </ul>
    </figure>
  );
}
