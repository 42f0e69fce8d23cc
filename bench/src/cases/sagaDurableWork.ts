// The work every side of saga.durable runs: five small pure decisions and a simulated I/O call of fixed latency.
import pg from 'pg';

/** Latency of one simulated I/O call (a ledger or exchange call), the same for every side. */
export const ioLatencyMs = 1;

export const simulatedIo = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, ioLatencyMs));

/** Deposit n, stake 90 % of it, confirm (1 in 16 refused), and the two undos. Pure: same n, same answer. */
export const workflow = {
  deposit: (n: number) => ({ account: `a${n % 1_000}`, amount: 100 + (n % 50) }),
  stake: (n: number) => ({ staked: Math.floor((100 + (n % 50)) * 0.9) }),
  confirm: (n: number): { confirmed: true } | 'refused' => (n % 16 === 15 ? 'refused' : { confirmed: true }),
  unstake: (n: number) => ({ unstaked: Math.floor((100 + (n % 50)) * 0.9) }),
  refund: (n: number) => ({ refunded: 100 + (n % 50) }),
};

/** One engine running the workflow: `run` starts workflow number n and resolves once it has completed or compensated. */
export interface WorkflowSide {
  readonly name: string;
  run(n: number): Promise<string>;
  /** The engine's own record of how the workflow ended (`completed` or `compensated`), read back by what `run` returned. */
  check(ref: string): Promise<string>;
  /** Bytes the engine holds on disk for everything run so far (tables and indexes, or its data directory), where measurable. */
  storedBytes?(): Promise<number>;
  stop(): Promise<void>;
}

/** One number from the server, on a connection of its own (sizes are read outside the measured windows). */
export async function adminValue(url: string, sql: string, params: unknown[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ v: string }>(sql, params)).rows[0]?.v ?? Number.NaN);
  } finally {
    await client.end();
  }
}
