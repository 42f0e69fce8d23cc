// Docs are tested claims: every `lucent …` line in the README and docs/ names a real command (and registry action) and only
// options that command's usage lists; the lines that need no server run as written.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, lucent, repoRoot } from '../packages/cli/src/testing/runBuiltCli.js';

interface DocLine {
  readonly file: string;
  readonly text: string;
}

/** `lucent …` and `npx lucent …` lines of fenced blocks and of inline code spans. */
async function docLines(): Promise<DocLine[]> {
  const files = ['README.md', ...(await readdir(path.join(repoRoot, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const lines: DocLine[] = [];
  for (const file of files) {
    const text = await readFile(path.join(repoRoot, file), 'utf8');
    const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n'));
    const inline = [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
    for (const raw of [...fenced, ...inline]) {
      const line = raw.trim().replace(/\s+#.*$/, '');
      // A diagram line (`lucent publish ──► …`) is not a command.
      if (/^(npx )?lucent [a-z]/.test(line) && !/[─►│]/.test(line)) lines.push({ file, text: line });
    }
  }
  return lines;
}

const words = (line: string): string[] => line.replace(/^npx /, '').split(/\s+/).slice(1);

let lines: DocLine[];
const usage = new Map<string, string>();

async function usageOf(command: string): Promise<string> {
  let text = usage.get(command);
  if (text === undefined) {
    const r = await lucent([command, '--help']);
    expect(r.code, `lucent ${command} --help: ${r.stderr}`).toBe(0);
    text = r.stdout;
    usage.set(command, text);
  }
  return text;
}

beforeAll(async () => {
  await buildCli();
  lines = await docLines();
}, 240_000);

describe('lucent commands in the docs', () => {
  it('finds the documented commands', () => {
    expect(lines.length).toBeGreaterThan(15);
  });

  it('name real commands, registry actions and options', async () => {
    const problems: string[] = [];
    for (const { file, text } of lines) {
      const [command, action] = words(text);
      const help = await usageOf(command!);
      if (command === 'registry' && action !== undefined && /^[a-z][a-z-]*$/.test(action) && !new RegExp(`\\n  ${action}\\b|\\| ${action}\\b`).test(help)) {
        problems.push(`${file}: \`${text}\`: no registry action ${action}`);
      }
      for (const option of text.match(/--[a-z][a-z-]*/g) ?? []) {
        if (!help.includes(option)) problems.push(`${file}: \`${text}\`: lucent ${command} takes no ${option}`);
      }
    }
    expect(problems).toEqual([]);
  });

  describe('run as written where they need no server', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'lucent-doc-commands-'));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('`lucent keygen --out ./keys` writes the key pair it names', async () => {
      const line = lines.find((l) => /lucent keygen --out \.\/keys$/.test(l.text));
      expect(line, 'the keygen line of docs/operations.md').toBeDefined();
      const out = path.join(dir, 'keys');
      const r = await lucent([...words(line!.text).slice(0, -1), out]);
      expect(r.code, r.stderr).toBe(0);
      expect((await stat(path.join(out, 'lucent-signing.key'))).mode & 0o777).toBe(0o600);
      expect((await stat(path.join(out, 'lucent-signing.pub'))).isFile()).toBe(true);
    });

    it('`lucent generate examples/crypto-trading --check` passes on the committed registry', async () => {
      const r = await lucent(['generate', 'examples/crypto-trading', '--check']);
      expect(r.code, r.stderr + r.stdout).toBe(0);
    });
  });
});
