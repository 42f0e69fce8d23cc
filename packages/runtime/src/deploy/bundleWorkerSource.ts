// The program a bundle worker thread runs, as source text: it loads one verified bundle and serves calls to its functions.
//
// It is plain JavaScript run from a data: URL, so it needs no file on disk (no build step, nothing to
// swap between verification and load) and imports only node built-ins. Contexts and validation come
// from the copy of @lucent/core bundled inside the bundle (`lucentBundle.runtime`), so a function runs
// against the core it was built with.
export const bundleWorkerSource = String.raw`
import { parentPort, workerData } from 'node:worker_threads';
import { createHash } from 'node:crypto';

const post = (message) => parentPort.postMessage(message);
const describeError = (error) => (error instanceof Error ? error.message : String(error));

function serializeError(error) {
  if (error && typeof error === 'object' && typeof error.code === 'string' && typeof error.toJSON === 'function') {
    try {
      return error.toJSON();
    } catch {}
  }
  return { code: 'FUNCTION_FAILED', message: describeError(error), details: { reason: describeError(error), thrown: true } };
}

function collect(bundle) {
  const found = new Map();
  const add = (fn) => {
    if (fn && fn.kind === 'lucent.function') found.set(fn.name + '@' + fn.version, fn);
  };
  for (const value of Object.values(bundle.module)) {
    if (typeof value === 'function' && typeof bundle.runtime.functionsOf === 'function') {
      for (const fn of bundle.runtime.functionsOf(value)) add(fn);
    } else add(value);
  }
  return found;
}

const logLevels = ['debug', 'info', 'warn', 'error'];
const logger = Object.fromEntries(
  logLevels.map((level) => [level, (message, fields) => {
    try {
      post({ type: 'log', level, message: String(message), fields: fields === undefined ? undefined : JSON.parse(JSON.stringify(fields)) });
    } catch {}
  }]),
);

let functions = new Map();
let runtime;

async function load() {
  const code = workerData.code;
  // Check again on this side of the thread boundary: these are the exact bytes that were verified.
  const actual = 'sha256:' + createHash('sha256').update(code).digest('hex');
  if (actual !== workerData.sha256) throw new Error('code hash ' + actual + ' differs from the verified ' + workerData.sha256);
  const mod = await import('data:text/javascript;base64,' + Buffer.from(code).toString('base64'));
  const bundle = mod.lucentBundle;
  if (!bundle || bundle.format !== 'lucent.bundle/1' || !bundle.runtime || !bundle.module) {
    throw new Error('the module does not export lucentBundle; build it with lucent publish');
  }
  runtime = bundle.runtime;
  functions = collect(bundle);
  return [...functions.values()].map((fn) => ({
    name: fn.name,
    version: fn.version,
    meta: JSON.parse(JSON.stringify(fn.meta ?? {})),
  }));
}

async function call(message) {
  const fn = functions.get(message.name + '@' + message.version);
  if (!fn) throw Object.assign(new Error('not in this bundle'), { code: 'FUNCTION_NOT_FOUND', toJSON: () => ({ code: 'FUNCTION_NOT_FOUND', message: 'No function ' + message.name + ' at version ' + message.version + ' in this bundle', details: { name: message.name, version: message.version } }) });
  // Contracts cannot cross threads, so both sides of the boundary are checked here.
  const input = await runtime.validate(fn.input, message.input, 'input', fn.name);
  const ctx = new runtime.InvocationContext({ ...message.context, log: logger });
  let output = await fn.handler(input, ctx);
  output = await runtime.validate(fn.output, output, 'output', fn.name);
  return { output, events: ctx.events ?? [] };
}

parentPort.on('message', (message) => {
  if (message.type !== 'call') return;
  call(message).then(
    (result) => {
      try {
        post({ type: 'result', id: message.id, output: result.output, events: result.events });
      } catch (error) {
        post({ type: 'error', id: message.id, error: { code: 'FUNCTION_FAILED', message: 'result cannot cross threads: ' + describeError(error), details: { reason: describeError(error), thrown: true } } });
      }
    },
    (error) => post({ type: 'error', id: message.id, error: serializeError(error) }),
  );
});

load().then(
  (list) => post({ type: 'ready', functions: list }),
  (error) => post({ type: 'failed', message: describeError(error) }),
);
`;
