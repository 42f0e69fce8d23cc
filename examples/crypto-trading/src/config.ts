// Service configuration from the environment; every server is optional (embedded defaults otherwise).
export interface ServiceConfig {
  readonly port: number;
  readonly host: string;
  /** Where embedded stores (PGlite) keep their data. */
  readonly dataDir: string;
  readonly postgresUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly natsUrl: string | undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return {
    port: Number(env['PORT'] ?? 3000),
    host: env['HOST'] ?? '127.0.0.1',
    dataDir: env['LUCENT_DATA_DIR'] ?? '.lucent-data',
    postgresUrl: env['LUCENT_PG_URL'] || undefined,
    redisUrl: env['LUCENT_REDIS_URL'] || undefined,
    natsUrl: env['LUCENT_NATS_URL'] || undefined,
  };
}
