// The transport port, its embedded implementation and the wire's error helpers.
export * from './transport.js';
export * from './inProcessTransport.js';
export * from './wireErrors.js';
