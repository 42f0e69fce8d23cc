// One saga's timeline as a picture: a time axis from its start, one mark per step, wait, retry or compensation, coloured by kind.
import { brief, ms, time } from '../format.js';
import { kindColours, layoutTimeline } from '../timeline.js';
import type { TimelineEntry, TimelineKind } from '../types.js';

export function SagaTimeline({ entries, title }: { entries: TimelineEntry[]; title: string }) {
  const layout = layoutTimeline(entries);
  const kinds = [...new Set(entries.map((e) => e.kind))] as TimelineKind[];
  return (
    <figure class="timeline">
      <svg
        data-testid="saga-timeline"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        role="img"
        aria-labelledby="timeline-title timeline-desc"
      >
        <title id="timeline-title">{title}</title>
        <desc id="timeline-desc">{entries.map((e) => `${e.kind} ${e.name} at ${time(e.at)}`).join('; ')}</desc>
        {layout.ticks.map((t) => (
          <g key={t.x} class="tick">
            <line x1={t.x} x2={t.x} y1={layout.top - 8} y2={layout.height - 6} stroke="#c8ccd2" />
            <text x={t.x} y={layout.top - 12} text-anchor="middle" font-size="11" fill="#333">
              {t.label}
            </text>
          </g>
        ))}
        {layout.marks.map((m, i) => {
          const colour = kindColours[m.kind];
          const cy = m.y + layout.rowHeight / 2;
          return (
            <g key={i} data-kind={m.kind} data-name={m.name}>
              <title>{`${m.kind}: ${m.name} at ${time(m.at)}${m.durationMs === null ? '' : `, ${ms(m.durationMs)}`}${brief(m.detail) === '' || brief(m.detail) === '{}' ? '' : ` — ${brief(m.detail)}`}`}</title>
              <text x={layout.plotLeft - 10} y={cy + 4} text-anchor="end" font-size="12" fill="#1a1a1a">
                {m.name.length > 28 ? `${m.name.slice(0, 27)}…` : m.name}
              </text>
              <line x1={layout.plotLeft} x2={layout.plotRight} y1={cy} y2={cy} stroke="#eef0f3" />
              {m.width > 0 ? (
                <rect x={m.x} y={cy - 7} width={m.width} height={14} rx={3} fill={colour} />
              ) : m.kind === 'retry' || m.kind === 'failed' ? (
                <path d={`M${m.x - 6} ${cy - 6} L${m.x + 6} ${cy + 6} M${m.x + 6} ${cy - 6} L${m.x - 6} ${cy + 6}`} stroke={colour} stroke-width={3} />
              ) : (
                <circle cx={m.x} cy={cy} r={6} fill={colour} />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul class="legend">
          {kinds.map((k) => (
            <li key={k}>
              <span class="swatch" style={{ background: kindColours[k] }} aria-hidden="true" />
              {k}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
