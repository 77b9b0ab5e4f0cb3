/** The machine's shared PostgreSQL and NATS: clear failure when they are down, unique names per run. */
import { connect as netConnect } from 'node:net';

export const PG_PORT = 5432;
export const NATS_PORT = 4222;
export const PG_USER = 'postgres';
export const PG_DB = 'test';

export function pgUrl(port = PG_PORT, user = PG_USER, db = PG_DB): string {
  return `postgres://${user}@127.0.0.1:${port}/${db}`;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Throws a message that says what to run when a service is not listening. */
export async function requireService(name: string, port: number): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    const s = netConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
  if (!ok) throw new Error(`${name} is not listening on 127.0.0.1:${port}; start it with: bash .ci/services.sh`);
}
