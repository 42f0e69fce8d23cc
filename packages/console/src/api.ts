// The console's HTTP client: the bearer token kept in sessionStorage, JSON reads and admin writes, typed errors.

const tokenKey = 'lucent.console.token';

export function getToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/** A refusal from the service, with its typed error body (`{ code, message, details? }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  error?: ErrorShape;
}

/** Reads the service's error body; accepts `{ code, message }` and `{ error: { code, message } }`. */
export function errorFrom(status: number, body: unknown): ApiError {
  const outer = (typeof body === 'object' && body !== null ? body : {}) as ErrorShape;
  const shape = typeof outer.error === 'object' && outer.error !== null ? outer.error : outer;
  const code = typeof shape.code === 'string' ? shape.code : `HTTP_${status}`;
  const message = typeof shape.message === 'string' ? shape.message : `The service answered ${status}`;
  const details = typeof shape.details === 'object' && shape.details !== null ? (shape.details as Record<string, unknown>) : undefined;
  return new ApiError(status, code, message, details);
}

/** Listeners told when the service refuses the token (401), so the app can show the sign-in page. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (cause) {
    throw new ApiError(0, 'NETWORK', `The service could not be reached (${(cause as Error).message})`);
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const error = errorFrom(response.status, parsed);
    if (response.status === 401) unauthorizedListeners.forEach((l) => l());
    throw error;
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  post: <T>(path: string, body: unknown): Promise<T> => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown): Promise<T> => request<T>('PUT', path, body),
};

/** Builds a query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
