// The heavy-function worker pool: the executor the FunctionManager runs `heavy: true` functions on.
export * from './workerPoolExecutor.js';
export type { WorkerTask, WorkerReply, WorkerContextSeed, WorkerNote } from './workerTask.js';
export type { HeavyWorkerData } from './heavyWorker.js';
