// @lucent/runtime/testing: test kits for code built on the runtime, kept out of the main entry.
// SagaTestKit runs the real saga runner and Scheduler in memory on a virtual clock.
export { SagaTestKit, SimulatedCrash } from '../sagas/sagaTestKit.js';
export type { FakeCommandHandler, SagaTestKitOptions } from '../sagas/sagaTestKit.js';
