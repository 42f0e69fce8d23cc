import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRegistry, writeOrCheck } from './generateRegistry.js';

const fixture = fileURLToPath(new URL('./fixtures/pricing-service', import.meta.url));
const work: string[] = [];

async function copyOfFixture(): Promise<string> {
  const dir = await mkdtemp(path.join(fileURLToPath(new URL('./fixtures', import.meta.url)), 'tmp-'));
  work.push(dir);
  await cp(fixture, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  for (const dir of work) await rm(dir, { recursive: true, force: true });
});

describe('lucent generate', () => {
  it('finds defineFunction exports and decorated methods, sorted by name', async () => {
    const generated = await generateRegistry(fixture);
    expect(generated.entries.map((e) => [e.name, e.version, e.module, e.exportName, e.method?.name])).toEqual([
      ['quotes.mid', '1.0.0', 'domain/quotes.js', 'midPrice', undefined],
      ['quotes.spreadBps', '2.0.0', 'domain/spreads.js', 'Spreads', 'spreadBps'],
    ]);
    const registry = [...generated.files.entries()].find(([f]) => f.endsWith('functionRegistry.ts'))![1];
    expect(registry).toContain("import { functionOf } from '@lucent/core';");
    expect(registry).toContain("'quotes.mid': midPrice,");
    expect(registry).toContain("'quotes.spreadBps': functionOf(Spreads, 'spreadBps'),");
  });

  it('writes a manifest with metadata and stable contract fingerprints', async () => {
    const a = await generateRegistry(fixture);
    const b = await generateRegistry(fixture);
    const manifestOf = (g: typeof a) =>
      JSON.parse([...g.files.entries()].find(([f]) => f.endsWith('.json'))![1]) as {
        functions: { name: string; meta: unknown; fingerprint: { input: string; output: string } }[];
      };
    const [mid, spread] = manifestOf(a).functions;
    expect(mid).toMatchObject({ name: 'quotes.mid', meta: { tags: ['pricing'] } });
    expect(mid!.fingerprint.input).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Same input contract shape → same fingerprint; different output contract → different one.
    expect(spread!.fingerprint.input).toBe(mid!.fingerprint.input);
    expect(spread!.fingerprint.output).not.toBe(mid!.fingerprint.output);
    expect(manifestOf(b)).toEqual(manifestOf(a));
  });

  it('check mode reports stale files without writing; write mode brings them up to date', async () => {
    const dir = await copyOfFixture();
    const first = await generateRegistry(dir);
    expect(await writeOrCheck(first, true)).toHaveLength(2);
    expect(await writeOrCheck(first, false)).toHaveLength(2);
    expect(await writeOrCheck(first, true)).toEqual([]);

    const quotes = path.join(dir, 'src/domain/quotes.ts');
    await writeFile(quotes, (await readFile(quotes, 'utf8')).replace("version: '1.0.0'", "version: '1.1.0'"));
    const changed = await generateRegistry(dir);
    expect((await writeOrCheck(changed, true)).map((f) => path.basename(f))).toEqual(['function-manifest.json']);
  });

  it('refuses two functions with the same name', async () => {
    const dir = await copyOfFixture();
    await writeFile(
      path.join(dir, 'src/domain/dup.ts'),
      "export { midPrice as again } from './quotes.js';\n",
    );
    await expect(generateRegistry(dir)).rejects.toThrow(/quotes\.mid is defined twice/);
  });
});
