// Sagas: counts by state, the list filtered by state and type, and one saga's timeline.
import { useEffect, useRef, useState } from 'preact/hooks';
import { query } from '../api.js';
import { brief, ms, plural, relative, time } from '../format.js';
import { href } from '../router.js';
import type { SagaDetail, SagaSummary } from '../types.js';
import { Badge, ErrorAlert, Loading, useFetch } from '../ui.js';
import { SagaTimeline } from './sagaTimeline.js';

export function SagasView({ id }: { id: string | null }) {
  const [state, setState] = useState('');
  const [type, setType] = useState('');
  const [typeDraft, setTypeDraft] = useState('');
  const list = useFetch<{ counts: Record<string, number>; sagas: SagaSummary[] }>(`/console/api/sagas${query({ state, type, limit: 200 })}`, [], 5_000);
  const counts = list.data?.counts ?? {};

  return (
    <section data-testid="view-sagas" aria-labelledby="sagas-title">
      <h1 id="sagas-title">Sagas</h1>
      {id !== null && <SagaPanel key={id} id={id} />}
      <h2>By state</h2>
      <ul class="cards" data-testid="saga-counts">
        {Object.entries(counts).map(([s, n]) => (
          <li key={s} class="card">
            <button type="button" class="link" aria-pressed={state === s} onClick={() => setState(state === s ? '' : s)}>
              <Badge value={s} /> <strong>{n}</strong>
            </button>
          </li>
        ))}
      </ul>
      <form
        class="row filters"
        aria-label="Filter sagas"
        onSubmit={(e) => {
          e.preventDefault();
          setType(typeDraft.trim());
        }}
      >
        <label>
          State
          <select name="state" value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">any</option>
            {Object.keys(counts).map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Type
          <input name="type" value={typeDraft} onInput={(e) => setTypeDraft(e.currentTarget.value)} placeholder="any" />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorAlert error={list.error} what="Sagas" absent="This service keeps no saga history here" />
      <Loading loading={list.loading && list.data === undefined} />
      {list.data && list.data.sagas.length === 0 && <p class="muted">No sagas match.</p>}
      <div class="scroll">
        <table data-testid="sagas">
          <caption class="sr-only">Sagas, filtered</caption>
          <thead>
            <tr>
              <th scope="col">Saga</th>
              <th scope="col">Type</th>
              <th scope="col">State</th>
              <th scope="col">Step</th>
              <th scope="col">Started</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {(list.data?.sagas ?? []).map((s) => (
              <tr key={s.id} data-testid="saga-row" data-id={s.id} aria-current={s.id === id ? 'true' : undefined}>
                <th scope="row">
                  <a href={href('sagas', s.id)}>{s.id}</a>
                </th>
                <td>{s.type}</td>
                <td><Badge value={s.state} /></td>
                <td>{s.step ?? '—'}</td>
                <td>{time(s.startedAt)}</td>
                <td>{relative(s.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function SagaPanel({ id }: { id: string }) {
  const saga = useFetch<SagaDetail>(`/console/api/sagas/${encodeURIComponent(id)}`);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  // A running saga moves on: look again every 3 s until it ends.
  const ended = saga.data !== undefined && ['completed', 'failed', 'compensated'].includes(saga.data.state);
  useEffect(() => {
    if (ended) return;
    const timer = setInterval(saga.reload, 3_000);
    return () => clearInterval(timer);
  }, [ended]);
  return (
    <section class="detail card" data-testid="saga-detail" data-id={id} aria-labelledby="saga-title">
      <h2 id="saga-title" tabIndex={-1} ref={heading}>
        Saga {id} {saga.data && <Badge value={saga.data.state} />}
      </h2>
      <ErrorAlert error={saga.error} what="Saga" />
      {saga.data && (
        <>
          <p>
            Type {saga.data.type}, started {time(saga.data.startedAt)}, updated {relative(saga.data.updatedAt)}
            {saga.data.step ? `, at step ${saga.data.step}` : ''}; {plural(saga.data.timeline.length, 'timeline entry', 'timeline entries')}.
          </p>
          {saga.data.failure && <p class="bad">Failure: {saga.data.failure}</p>}
          <SagaTimeline entries={saga.data.timeline} title={`Timeline of saga ${id} (${saga.data.type})`} />
          <details>
            <summary>Timeline as a table</summary>
            <table>
              <caption class="sr-only">Timeline entries of saga {id}</caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Name</th>
                  <th scope="col" class="n">Duration</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {saga.data.timeline.map((e, i) => (
                  <tr key={i}>
                    <td>{time(e.at)}</td>
                    <td>{e.kind}</td>
                    <th scope="row">{e.name}</th>
                    <td class="n">{ms(e.durationMs)}</td>
                    <td class="small mono">{brief(e.detail, 400) || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}
