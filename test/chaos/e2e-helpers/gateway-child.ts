/**
 * Child-process fixture: starts a gateway from a JSON config file (argv[2]) and prints one JSON
 * line `{"url": ...}` once started. SIGTERM stops it gracefully; the test may also kill -9 it.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/load.js';
import { startGateway } from '../../../src/gateway/gateway.js';

const input = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Record<string, unknown>;
const { config } = loadConfig({ env: {}, cli: input });
const gateway = await startGateway(config);
process.stdout.write(`${JSON.stringify({ url: gateway.url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void gateway.stop().then(() => process.exit(0), () => process.exit(1));
});
