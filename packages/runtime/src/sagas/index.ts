// The saga shell: the runner, its command messages, its one seam to the Scheduler, and the virtual-clock test kit.
export * from './sagaCommandMessage.js';
export * from './sagaScheduling.js';
export * from './sagaRunner.js';
export * from './sagaCatalog.js';
export * from './sagaTestKit.js';
