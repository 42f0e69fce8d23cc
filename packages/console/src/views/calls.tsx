// Calls: recent calls (failed ones first to the eye), filtered by function, code and user, updated from the live stream.
import { useState } from 'preact/hooks';
import { query } from '../api.js';
import { mergeCalls, versionSplit, type CallFilter } from '../calls.js';
import { ms, percent, time } from '../format.js';
import { useStore } from '../store.js';
import type { CallRecord } from '../types.js';
import { Badge, ErrorAlert, useFetch } from '../ui.js';

const limit = 200;

export function CallsView() {
  const [draft, setDraft] = useState<CallFilter>({ function: '', code: '', user: '', failedOnly: false });
  const [filter, setFilter] = useState<CallFilter>(draft);
  const fetched = useFetch<{ calls: CallRecord[] }>(`/console/api/calls${query({ function: filter.function, code: filter.code, user: filter.user, outcome: filter.failedOnly ? 'error' : undefined, limit })}`);
  const live = useStore((s) => s.liveCalls);
  const calls = mergeCalls(live, fetched.data?.calls ?? [], filter, limit);
  const split = versionSplit(calls);

  const apply = (e: Event): void => {
    e.preventDefault();
    setFilter({ ...draft, function: draft.function.trim(), code: draft.code.trim().toUpperCase(), user: draft.user.trim() });
  };
  const field = (key: 'function' | 'code' | 'user', label: string) => (
    <label>
      {label}
      <input name={key} value={draft[key]} onInput={(e) => setDraft({ ...draft, [key]: e.currentTarget.value })} placeholder="any" />
    </label>
  );

  return (
    <section data-testid="view-calls" aria-labelledby="calls-title">
      <h1 id="calls-title">Calls</h1>
      <form class="row filters" onSubmit={apply} aria-label="Filter calls">
        {field('function', 'Function')}
        {field('code', 'Error code')}
        {field('user', 'User')}
        <label class="inline">
          <input type="checkbox" name="failedOnly" checked={draft.failedOnly} onChange={(e) => setDraft({ ...draft, failedOnly: e.currentTarget.checked })} /> failed only
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorAlert error={fetched.error} what="Calls" />
      {split.length > 0 && (
        <p data-testid="version-split">
          Split of the {calls.length} calls shown:{' '}
          {split.map((s) => (
            <span key={s.key} class="tag">
              {s.key} {percent(s.share)} ({s.count})
            </span>
          ))}
        </p>
      )}
      {calls.length === 0 && !fetched.loading && <p class="muted">No calls match.</p>}
      <div class="scroll">
        <table data-testid="calls">
          <caption class="sr-only">Recent calls, newest first</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Function</th>
              <th scope="col">Version</th>
              <th scope="col">Shard</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code and message</th>
              <th scope="col">Correlation / trace</th>
              <th scope="col">User</th>
              <th scope="col" class="n">Duration</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={`${c.correlationId}|${c.at}|${c.function}|${c.version}`} data-testid="call-row" data-outcome={c.outcome} data-function={c.function} data-version={c.version ?? ''}>
                <td>{time(c.at)}</td>
                <th scope="row">{c.function}</th>
                <td>{c.version ?? '—'}</td>
                <td>{c.shard ?? '—'}</td>
                <td><Badge value={c.outcome} /></td>
                <td>{c.code === null ? '—' : <><code>{c.code}</code> {c.message}</>}</td>
                <td class="small mono">
                  {c.correlationId}
                  {c.traceId && <div>trace {c.traceId}</div>}
                </td>
                <td>{c.user ?? '—'}</td>
                <td class="n">{ms(c.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
