// Small formatting helpers shared by the views (pure).

export function num(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : `${num(ratio * 100, 2)}%`;
}

export function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${num(value, value < 10 ? 2 : 0)} ms`;
}

/** "12:03:16" for today's times, date and time otherwise. */
export function time(at: string | number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '—';
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return String(at);
  const sameDay = new Date(now).toDateString() === date.toDateString();
  return sameDay ? date.toLocaleTimeString('en-GB') : date.toLocaleString('en-GB');
}

/** "in 42 s", "3 min ago": how far a time is from now. */
export function relative(at: string | number | null | undefined, now = Date.now()): string {
  if (at === null || at === undefined) return '—';
  const t = new Date(at).getTime();
  if (Number.isNaN(t)) return '—';
  const diff = Math.round((t - now) / 1000);
  const abs = Math.abs(diff);
  const text = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} d`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}

/** "US, DE" → ["US", "DE"]: upper-cased, blanks dropped. */
export function codeList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
}

/** A value in one short line: strings as they are, anything else as compact JSON, cut at `max` characters. */
export function brief(value: unknown, max = 160): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "1 event", "3 events" ("1 entry", "2 entries" with the plural given). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
