// Every benchmark area `npm run bench` runs, in order. An area adds itself here with one line.
import type { BenchArea } from '../harness/types.js';
import { eventStoreArea } from './eventStore.js';
import { invokeArea, invokeValidatedArea } from './invoke.js';
import { remoteArea } from './remote.js';
import { observabilityArea } from './observability.js';
import { registryArea } from './registry.js';
import { killSwitchArea } from './killSwitch.js';
import { routingArea } from './routing.js';
import { timersArea } from './timers.js';
import { sagaArea } from './saga.js';
import { sagaDurableArea } from './sagaDurable.js';
import { httpArea } from './http.js';
import { httpGatewayArea } from './httpGateway.js';
import { httpStoreArea } from './httpStore.js';

export const areas: BenchArea[] = [
  invokeArea,
  invokeValidatedArea,
  remoteArea,
  observabilityArea,
  eventStoreArea,
  registryArea,
  killSwitchArea,
  routingArea,
  timersArea,
  sagaArea,
  sagaDurableArea,
  httpArea,
  httpGatewayArea,
  httpStoreArea,
];
