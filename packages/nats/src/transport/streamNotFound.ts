// JetStream's "stream not found" answer, told apart from other failures (a read-only look at a bucket that does not exist).

/** API error 10059; older clients give only the message. */
export function isStreamNotFound(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; message?: string } | null;
  return e?.api_error?.err_code === 10059 || e?.message === 'stream not found';
}

/** Whether the stream behind a KV bucket or object store exists; asking creates nothing. */
export async function streamExists(connection: { jetstreamManager(): Promise<{ streams: { info(name: string): Promise<unknown> } }> }, stream: string): Promise<boolean> {
  const jsm = await connection.jetstreamManager();
  return jsm.streams.info(stream).then(
    () => true,
    (error: unknown) => {
      if (isStreamNotFound(error)) return false;
      throw error;
    },
  );
}
