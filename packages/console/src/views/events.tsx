// Events: browse by stream id or global position, projections with checkpoint and lag, replay a stream against a candidate version.
import { useState } from 'preact/hooks';
import { ApiError, api, query } from '../api.js';
import { json, plural, time } from '../format.js';
import type { FunctionInfo, Projection, ReplayResult, StoredEvent } from '../types.js';
import { ErrorAlert, Loading, useFetch } from '../ui.js';

export function EventsView() {
  return (
    <section data-testid="view-events" aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <Browser />
      <Projections />
      <Replay />
    </section>
  );
}

function Browser() {
  const [streamId, setStreamId] = useState('');
  const [from, setFrom] = useState('');
  const [path, setPath] = useState('/console/api/events?limit=50');
  const events = useFetch<{ events: StoredEvent[] }>(path);
  const browse = (e: Event): void => {
    e.preventDefault();
    const params = query({ from: from.trim(), limit: 50 });
    setPath(streamId.trim() === '' ? `/console/api/events${params}` : `/console/api/streams/${encodeURIComponent(streamId.trim())}${params}`);
  };
  return (
    <>
      <h2>Browse</h2>
      <form class="row filters" onSubmit={browse} aria-label="Browse events">
        <label>
          Stream id
          <input name="streamId" value={streamId} onInput={(e) => setStreamId(e.currentTarget.value)} placeholder="all streams" />
        </label>
        <label>
          From (global position; stream version with a stream id)
          <input name="from" inputMode="numeric" value={from} onInput={(e) => setFrom(e.currentTarget.value)} placeholder="start" />
        </label>
        <button type="submit">Show events</button>
      </form>
      <ErrorAlert error={events.error} what="Events" absent="This service has no event store here" />
      <Loading loading={events.loading} />
      {events.data && events.data.events.length === 0 && <p class="muted">No events there.</p>}
      {events.data && events.data.events.length > 0 && (
        <div class="scroll">
          <table data-testid="events">
            <caption class="sr-only">Events</caption>
            <thead>
              <tr>
                <th scope="col" class="n">Position</th>
                <th scope="col">Stream</th>
                <th scope="col" class="n">Version</th>
                <th scope="col">Type</th>
                <th scope="col">At</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {events.data.events.map((ev) => (
                <tr key={String(ev.position)} data-testid="event-row">
                  <td class="n">{String(ev.position)}</td>
                  <td class="mono small">
                    <button type="button" class="link" onClick={() => { setStreamId(ev.streamId); setFrom(''); setPath(`/console/api/streams/${encodeURIComponent(ev.streamId)}?limit=50`); }}>
                      {ev.streamId}
                    </button>
                  </td>
                  <td class="n">{ev.version}</td>
                  <th scope="row">{ev.type}</th>
                  <td>{time(ev.at)}</td>
                  <td>
                    <details>
                      <summary>data</summary>
                      <pre>{json(ev.data)}</pre>
                      <pre class="muted">{json(ev.metadata)}</pre>
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Projections() {
  const projections = useFetch<{ projections: Projection[] }>('/console/api/projections', [], 5_000);
  return (
    <>
      <h2>Projections</h2>
      <ErrorAlert error={projections.error} what="Projections" absent="No projections are read here" />
      {projections.data && projections.data.projections.length === 0 && <p class="muted">No projections.</p>}
      {projections.data && projections.data.projections.length > 0 && (
        <table data-testid="projections">
          <caption class="sr-only">Projection checkpoints and lag</caption>
          <thead>
            <tr>
              <th scope="col">Projection</th>
              <th scope="col" class="n">Checkpoint</th>
              <th scope="col" class="n">Head</th>
              <th scope="col" class="n">Lag (events)</th>
            </tr>
          </thead>
          <tbody>
            {projections.data.projections.map((p) => (
              <tr key={p.name} data-testid="projection-row" class={p.lag > 0 ? 'late' : ''}>
                <th scope="row">{p.name}</th>
                <td class="n">{String(p.checkpoint)}</td>
                <td class="n">{String(p.head)}</td>
                <td class="n">{p.lag}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Replay() {
  const functions = useFetch<{ functions: FunctionInfo[] }>('/console/api/functions');
  const [form, setForm] = useState({ streamId: '', function: '', version: '' });
  const [result, setResult] = useState<ReplayResult | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const chosen = functions.data?.functions.find((f) => f.name === form.function);
  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    try {
      setResult(await api.post<ReplayResult>('/console/api/replay', form));
      setError(undefined);
    } catch (err) {
      setResult(undefined);
      setError(err instanceof ApiError ? err : new ApiError(0, 'CLIENT', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h2>Replay against a candidate version</h2>
      <p class="muted">Runs the candidate on the stream's recorded inputs and compares its decisions; writes nothing.</p>
      <form class="row filters" data-testid="replay" onSubmit={(e) => void run(e)} aria-label="Replay a stream">
        <label>
          Stream id
          <input name="streamId" value={form.streamId} onInput={(e) => setForm({ ...form, streamId: e.currentTarget.value })} />
        </label>
        <label>
          Function
          <input name="function" list="replay-functions" value={form.function} onInput={(e) => setForm({ ...form, function: e.currentTarget.value })} />
          <datalist id="replay-functions">
            {(functions.data?.functions ?? []).map((f) => <option key={f.name} value={f.name} />)}
          </datalist>
        </label>
        <label>
          Version
          <input name="version" list="replay-versions" value={form.version} onInput={(e) => setForm({ ...form, version: e.currentTarget.value })} />
          <datalist id="replay-versions">
            {(chosen?.versions ?? []).map((v) => <option key={v.version} value={v.version} />)}
          </datalist>
        </label>
        <button type="submit" disabled={busy}>Replay</button>
      </form>
      <ErrorAlert error={error} what="Replay refused" />
      {result && (
        <div data-testid="replay-result">
          <p>
            {result.events === undefined ? '' : `${plural(result.events, 'event')}, `}{plural(result.decisions, 'decision')} of {form.function} replayed with the candidate; {result.diverged.length === 0 ? 'none diverged.' : `${result.diverged.length} diverged:`}
          </p>
          {result.diverged.length > 0 && (
            <table>
              <caption class="sr-only">Diverged decisions</caption>
              <thead>
                <tr>
                  <th scope="col" class="n">Position</th>
                  <th scope="col">Where</th>
                  <th scope="col">Recorded</th>
                  <th scope="col">Candidate</th>
                </tr>
              </thead>
              <tbody>
                {result.diverged.map((d) => (
                  <tr key={String(d.position)} data-testid="diverged-row">
                    <td class="n">{String(d.position)}{d.toPosition !== undefined && d.toPosition !== d.position ? `–${d.toPosition}` : ''}</td>
                    <td class="mono small">{d.error ? <><code>{d.error.code}</code> {d.error.message}</> : (d.path ?? '—')}</td>
                    <td><pre>{json(d.expected)}</pre></td>
                    <td><pre>{json(d.actual)}</pre></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </>
  );
}
