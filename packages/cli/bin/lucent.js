#!/usr/bin/env node
// The `lucent` executable. A committed file, so `npm ci` can link it before `npm run build` has compiled the command into dist/.
import process from 'node:process';

try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin.js')) throw error;
  process.stderr.write('lucent: the command line is not built yet; run `npm run build` at the repository root\n');
  process.exitCode = 1;
}
