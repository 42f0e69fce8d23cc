// The embedded transport passes the shared transport contract.
import { InProcessTransport } from './inProcessTransport.js';
import { transportContract } from './transportContract.js';

transportContract('in-process', () => {
  const transport = new InProcessTransport();
  return Promise.resolve({ caller: transport, server: transport, close: () => transport.close() });
});
