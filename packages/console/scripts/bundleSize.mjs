// Prints the gzipped size of the built JS and CSS and fails the build when it is over the budget (KB).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { gzipSync } from 'node:zlib';

const [dir = 'dist', budgetArg = '300'] = process.argv.slice(2);
const budgetKb = Number(budgetArg);

function files(folder) {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const bundle = files(dir).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
if (bundle.length === 0) {
  process.stderr.write(`console bundle: no .js or .css under ${dir}; did vite build run?\n`);
  process.exit(1);
}
let raw = 0;
let gzipped = 0;
for (const file of bundle) {
  const bytes = readFileSync(file);
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => (n / 1024).toFixed(1);
process.stdout.write(`console bundle: ${bundle.length} files, ${kb(raw)} KB, ${kb(gzipped)} KB gzipped (budget ${budgetKb} KB gzipped)\n`);
if (gzipped > budgetKb * 1024) {
  process.stderr.write(`console bundle: over the budget by ${kb(gzipped - budgetKb * 1024)} KB gzipped\n`);
  process.exit(1);
}
