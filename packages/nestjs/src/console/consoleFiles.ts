// Finds the console's built single-page app (`@lucent/console`'s dist, or a given folder) and reads its files, each once.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A file name the SPA may ask for: one path segment, no leading dot (so no `..`). */
export const fileNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;

/** Where the build may be: the option, the installed `@lucent/console` package, the repository's packages/console. */
export function candidateDirs(staticDir: string | undefined): string[] {
  if (staticDir !== undefined) return [staticDir];
  const dirs: string[] = [];
  try {
    dirs.push(join(dirname(createRequire(import.meta.url).resolve('@lucent/console/package.json')), 'dist'));
  } catch {
    // Not installed (or not linked yet): the repository layout below still finds a build.
  }
  // packages/nestjs/{src,dist}/console → packages/console/dist
  dirs.push(fileURLToPath(new URL('../../../console/dist', import.meta.url)));
  return dirs;
}

export interface ConsoleFile {
  readonly body: Buffer;
  readonly type: string;
}

export class ConsoleFiles {
  private readonly cache = new Map<string, ConsoleFile>();
  private dir: string | undefined;
  readonly tried: readonly string[];

  constructor(staticDir?: string) {
    this.tried = candidateDirs(staticDir);
  }

  /** The build folder, looked for again on each ask until found (a build made after the start is picked up). */
  root(): string | undefined {
    this.dir ??= this.tried.find((d) => existsSync(join(d, 'index.html')));
    return this.dir;
  }

  index(): ConsoleFile | undefined {
    return this.read('index.html');
  }

  /** `sub` is `assets` or '' (the build's root); the name is checked against fileNamePattern by the route. */
  read(name: string, sub = ''): ConsoleFile | undefined {
    const key = sub === '' ? name : `${sub}/${name}`;
    const held = this.cache.get(key);
    if (held !== undefined) return held;
    const root = this.root();
    if (root === undefined || !fileNamePattern.test(name)) return undefined;
    const path = join(root, sub, name);
    if (!existsSync(path)) return undefined;
    const file = { body: readFileSync(path), type: contentTypeOf(name) };
    this.cache.set(key, file);
    return file;
  }
}

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page /console answers (503) when no build is found: what is missing and how to make it. */
export function notBuiltPage(tried: readonly string[]): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Lucent console: not built</title></head>
<body>
<main>
<h1>The Lucent console is not built</h1>
<p>No <code>index.html</code> was found in:</p>
<ul>${tried.map((d) => `<li><code>${escape(d)}</code></li>`).join('')}</ul>
<p>Run <code>npm run build</code> at the repository root (it builds <code>packages/console</code> into <code>packages/console/dist</code>),
or start the console with <code>staticDir</code> pointing at a build. The JSON API under <code>/console/api/</code> works without it.</p>
</main>
</body>
</html>
`;
}
