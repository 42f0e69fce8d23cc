// Hash routes: #/cluster, #/functions, #/functions/:name, #/calls, #/sagas, #/sagas/:id, #/schedules, #/events.
import { useEffect, useState } from 'preact/hooks';

export const views = ['cluster', 'functions', 'calls', 'sagas', 'schedules', 'events'] as const;
export type View = (typeof views)[number];

export interface Route {
  view: View;
  /** The function name or saga id after the view, decoded. */
  param: string | null;
}

/** Reads a location hash; anything unknown is the cluster view. */
export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/');
  const view = views.find((v) => v === parts[0]) ?? 'cluster';
  const rest = parts.slice(1).join('/');
  let param: string | null = null;
  if (rest !== '' && (view === 'functions' || view === 'sagas')) {
    try {
      param = decodeURIComponent(rest);
    } catch {
      param = rest;
    }
  }
  return { view, param };
}

export function href(view: View, param?: string): string {
  return param === undefined ? `#/${view}` : `#/${view}/${encodeURIComponent(param)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', onChange);
    // The hash may have changed between the first render and this effect (after paint): read it again.
    onChange();
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
