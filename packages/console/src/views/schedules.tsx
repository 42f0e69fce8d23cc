// Schedules: cron schedules with next firing and last outcomes, armed timers by due time, external waits and deadlines.
import { relative, time } from '../format.js';
import type { Schedules } from '../types.js';
import { Badge, ErrorAlert, Loading, useFetch } from '../ui.js';

export function SchedulesView() {
  const schedules = useFetch<Schedules>('/console/api/schedules', [], 5_000);
  const data = schedules.data;
  const timers = [...(data?.timers ?? [])].sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  return (
    <section data-testid="view-schedules" aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <p class="muted">Refreshed every 5 s. <button type="button" class="secondary" onClick={schedules.reload}>Refresh now</button></p>
      <ErrorAlert error={schedules.error} what="Schedules" absent="This service has no timer store here" />
      <Loading loading={schedules.loading && data === undefined} />

      <h2>Cron schedules</h2>
      {data && data.crons.length === 0 && <p class="muted">No cron schedules.</p>}
      {data && data.crons.length > 0 && (
        <table data-testid="crons">
          <caption class="sr-only">Cron schedules</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Expression</th>
              <th scope="col">Next firing</th>
              <th scope="col">Last outcomes (newest first)</th>
            </tr>
          </thead>
          <tbody>
            {data.crons.map((c) => (
              <tr key={c.name} data-testid="cron-row">
                <th scope="row">{c.name}</th>
                <td>
                  <code>{c.expression}</code>
                  {c.timezone && <span class="small muted"> {c.timezone}</span>}
                  {c.misfire && <div class="small muted">misfire: {c.misfire}</div>}
                  {c.state && c.state !== 'active' && <div><Badge value={c.state} /></div>}
                </td>
                <td>{c.nextAt === null ? '—' : `${time(c.nextAt)} (${relative(c.nextAt)})`}</td>
                <td>
                  {c.last.length === 0 ? '—' : c.last.map((l, i) => (
                    <span key={i} title={`${time(l.at)}${l.error ? `: ${l.error}` : ''}`}>
                      <Badge value={l.outcome} /> <span class="small">{time(l.scheduledFor ?? l.at)}{l.error ? ` ${l.error}` : ''}</span>{' '}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Armed timers</h2>
      {data && timers.length === 0 && <p class="muted">No armed timers.</p>}
      {timers.length > 0 && (
        <table data-testid="timers">
          <caption class="sr-only">Armed timers by due time</caption>
          <thead>
            <tr>
              <th scope="col">Due</th>
              <th scope="col">Timer</th>
              <th scope="col">Id</th>
              <th scope="col" class="n">Attempts</th>
            </tr>
          </thead>
          <tbody>
            {timers.map((t) => (
              <tr key={t.id} data-testid="timer-row" class={new Date(t.dueAt).getTime() < Date.now() ? 'late' : ''}>
                <td>{time(t.dueAt)} ({relative(t.dueAt)})</td>
                <th scope="row">
                  {t.name}
                  {t.retryOf && <div class="small muted">retry of the {time(t.retryOf.scheduledFor)} run</div>}
                </th>
                <td class="mono small">{t.id}</td>
                <td class="n">{t.attempts > 1 ? <Badge value={`${t.attempts} (retried)`} tone="warn" /> : t.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>External waits</h2>
      {data && data.waits.length === 0 && <p class="muted">Nothing waits for an external event.</p>}
      {data && data.waits.length > 0 && (
        <table data-testid="waits">
          <caption class="sr-only">External waits and their deadlines</caption>
          <thead>
            <tr>
              <th scope="col">Waiting for</th>
              <th scope="col">Id</th>
              <th scope="col">Deadline</th>
              <th scope="col">On timeout</th>
            </tr>
          </thead>
          <tbody>
            {data.waits.map((w) => (
              <tr key={w.id} data-testid="wait-row">
                <th scope="row">
                  {w.event} {w.kind === 'condition' && <span class="small muted">(condition)</span>} {w.matched && <Badge value="matched" tone="good" />}
                </th>
                <td class="mono small">{w.id}</td>
                <td>{w.deadlineAt === null ? 'none' : `${time(w.deadlineAt)} (${relative(w.deadlineAt)})`}</td>
                <td>{w.fallback ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
