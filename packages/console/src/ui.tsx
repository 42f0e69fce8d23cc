// Shared pieces of the views: data loading, the error banner, the confirm dialog, small labels.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * GETs `path` (skipped when null) whenever it or one of `deps` changes, and every `refreshMs` when
 * given (figures that move without an event, such as rates); keeps the last data while reloading.
 */
export function useFetch<T>(path: string | null, deps: readonly unknown[] = [], refreshMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    setLoading(true);
    api
      .get<T>(path)
      .then((d) => {
        if (!current) return;
        setData(d);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (current) setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
  }, [path, tick, ...deps]);
  useEffect(() => {
    if (refreshMs === undefined || path === null) return;
    const timer = setInterval(() => setTick((t) => t + 1), refreshMs);
    return () => clearInterval(timer);
  }, [path, refreshMs]);
  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}

/** This service does not offer the endpoint (not mounted, or its store not configured). */
export function isAbsent(error: ApiError | undefined): boolean {
  return error !== undefined && (error.status === 404 || error.status === 501 || error.code === 'UNAVAILABLE');
}

/**
 * The service's refusal, shown in the page: code, message and the fields it names. With `absent`, an
 * endpoint this service does not offer is a quiet note instead of an alert.
 */
export function ErrorAlert({ error, what, absent }: { error: ApiError | undefined; what?: string; absent?: string }) {
  if (error === undefined) return null;
  if (absent !== undefined && isAbsent(error)) {
    return (
      <p class="muted" data-testid="absent">
        {absent} ({error.message})
      </p>
    );
  }
  const issues = Array.isArray(error.details?.['issues']) ? (error.details['issues'] as { path?: string; message?: string }[]) : [];
  return (
    <div role="alert" class="alert">
      <strong>{what === undefined ? '' : `${what}: `}</strong>
      <code>{error.code}</code> {error.message}
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path || '(body)'}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ loading }: { loading: boolean }) {
  return loading ? <p class="muted" aria-live="polite">Loading…</p> : null;
}

export function Badge({ value, tone }: { value: string; tone?: 'good' | 'warn' | 'bad' | 'plain' }) {
  return <span class={`badge ${tone ?? toneOf(value)}`}>{value}</span>;
}

/** Green for healthy words, amber for in-between ones, red for failures. */
export function toneOf(value: string): 'good' | 'warn' | 'bad' | 'plain' {
  if (['up', 'healthy', 'closed', 'ok', 'completed', 'live', 'enabled', 'loaded', 'running', 'fired', 'active'].includes(value)) return 'good';
  if (['draining', 'suspect', 'half-open', 'absent', 'waiting', 'compensating', 'reconnecting', 'compensated', 'retrying', 'skipped', 'cancelled'].includes(value)) return 'warn';
  if (['down', 'open', 'error', 'failed', 'disabled', 'refused', 'rejected'].includes(value)) return 'bad';
  return 'plain';
}

export interface ConfirmRequest {
  title: string;
  body: ComponentChildren;
  confirmLabel: string;
  /** Runs with the reason typed in the dialog (empty: the service records its default). */
  run: (reason: string) => Promise<void>;
}

/** A modal asking to confirm a change, with an optional reason for the audit log. */
export function ConfirmDialog({ request, onClose }: { request: ConfirmRequest; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // Focus moves into the dialog, stays there while it is open (Tab wraps), and goes back where it was.
    const before = document.activeElement as HTMLElement | null;
    confirmRef.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') onClose();
      if (e.key !== 'Tab' || dialogRef.current === null) return;
      const items = [...dialogRef.current.querySelectorAll<HTMLElement>('input, button:not([disabled])')];
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last?.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      before?.focus();
    };
  }, []);
  const confirm = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    void request.run(reason.trim()).finally(onClose);
  };
  return (
    <div class="backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby="confirm-title" class="dialog" ref={dialogRef}>
        <form onSubmit={confirm}>
          <h2 id="confirm-title">{request.title}</h2>
          <div>{request.body}</div>
          <label>
            Reason (kept in the audit log)
            <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="optional" />
          </label>
          <div class="actions">
            <button type="submit" data-testid="confirm" ref={confirmRef} disabled={busy}>
              {request.confirmLabel}
            </button>
            <button type="button" class="secondary" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
