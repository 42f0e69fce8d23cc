// saga.durable's DBOS side: the workflow as a DBOS Transact workflow of runStep steps, in its own database on the same PostgreSQL server.
import pg from 'pg';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { adminValue, simulatedIo, workflow, type WorkflowSide } from './sagaDurableWork.js';

/** A step: the decision, then the I/O; DBOS checkpoints its output before the workflow goes on. */
const step = <T>(name: string, decide: () => T): Promise<T> =>
  DBOS.runStep(
    async () => {
      const result = decide();
      await simulatedIo();
      return result;
    },
    { name },
  );

async function benchWorkflow(n: number): Promise<string> {
  await step('deposit', () => workflow.deposit(n));
  await step('stake', () => workflow.stake(n));
  try {
    await step('confirm', () => {
      const r = workflow.confirm(n);
      if (r === 'refused') throw new Error(`confirm ${n} refused`);
      return r;
    });
  } catch {
    await step('unstake', () => workflow.unstake(n));
    await step('refund', () => workflow.refund(n));
    return 'compensated';
  }
  return 'completed';
}

/** DBOS is one per process: the area runs in its own process, so launching it here once is safe. */
export async function startDbosSide(adminUrl: string, tag: string, poolSize: number): Promise<WorkflowSide> {
  const database = `lucent_bench_dbos_${tag}`;
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const drop = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await c.end();
  };
  try {
    const run = DBOS.registerWorkflow(benchWorkflow, { name: 'benchDurable' });
    DBOS.setConfig({ name: `lucent-bench-${tag}`, systemDatabaseUrl: url.toString(), systemDatabasePoolSize: poolSize, logLevel: 'error' });
    await DBOS.launch();
    return {
      name: 'dbos',
      run: async (n) => {
        const workflowID = `${tag}-${n}`;
        const handle = await DBOS.startWorkflow(run, { workflowID })(n);
        await handle.getResult();
        return workflowID;
      },
      check: async (id) => {
        const status = await DBOS.getWorkflowStatus(id);
        return status?.status === 'SUCCESS' ? String(await DBOS.retrieveWorkflow<string>(id).getResult()) : String(status?.status);
      },
      storedBytes: () => adminValue(adminUrl, 'SELECT pg_database_size($1)::bigint AS v', [database]),
      stop: async () => {
        await DBOS.shutdown();
        await drop();
      },
    };
  } catch (error) {
    await DBOS.shutdown().catch(() => undefined);
    await drop();
    throw error;
  }
}
