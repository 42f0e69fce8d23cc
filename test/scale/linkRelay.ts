// A TCP relay standing in for one host's link where the kernel has no netem: SIGUSR1 adds delay and loss-like stalls both ways, SIGUSR2 clears them.
// Usage (run inside the host's namespace): linkRelay <listenHost> <listenPort> <targetHost> <targetPort> <delayMs> <lossPercent>
import { createConnection, createServer, type Socket } from 'node:net';

const [listenHost = '127.0.0.1', listenPort = '0', targetHost = '127.0.0.1', targetPort = '0', delayArg = '100', lossArg = '5'] = process.argv.slice(2);
const delayMs = Number(delayArg);
const lossPercent = Number(lossArg);
// Linux's smallest retransmission timeout: what a TCP segment lost on the way costs the stream behind it.
const minRtoMs = 200;
let impaired = false;

/**
 * Copy `from` to `to`, each chunk held `delayMs / 2` (one way of the round trip) while impaired, and
 * with `lossPercent / 2` % chance per chunk a further retransmission timeout, as TCP pays for a lost
 * segment. Order is kept: a chunk never leaves before the one ahead of it.
 */
function pipeImpaired(from: Socket, to: Socket): void {
  let lastDue = 0;
  from.on('data', (chunk: Buffer) => {
    if (!impaired && lastDue <= Date.now()) {
      to.write(chunk);
      return;
    }
    const lost = impaired && Math.random() * 100 < lossPercent / 2;
    const due = Math.max(lastDue, Date.now() + (impaired ? delayMs / 2 : 0) + (lost ? minRtoMs + delayMs : 0));
    lastDue = due;
    setTimeout(() => to.write(chunk), due - Date.now());
  });
  from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastDue - Date.now())));
  from.on('error', () => to.destroy());
}

const server = createServer((client) => {
  const upstream = createConnection({ host: targetHost, port: Number(targetPort) });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  pipeImpaired(client, upstream);
  pipeImpaired(upstream, client);
  upstream.on('close', () => client.destroy());
  client.on('close', () => upstream.destroy());
});
process.on('SIGUSR1', () => {
  impaired = true;
  console.log(`impaired: ${delayMs} ms delay, ${lossPercent}% loss`);
});
process.on('SIGUSR2', () => {
  impaired = false;
  console.log('cleared');
});
server.listen(Number(listenPort), listenHost, () => console.log(`relay ${listenHost}:${listenPort} → ${targetHost}:${targetPort} ready`));
