/** The cluster's one NATS connection per process: reconnects forever, never follows gossiped URLs. */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ClusterError, errorText } from './errors.js';

export interface ClusterConnectOptions {
  readonly servers: string | readonly string[];
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly reconnectWaitMs: number;
}

export async function connectCluster(o: ClusterConnectOptions): Promise<NatsConnection> {
  const servers = typeof o.servers === 'string' ? [o.servers] : [...o.servers];
  try {
    return await connect({
      servers, name: o.name, timeout: o.connectTimeoutMs, maxReconnectAttempts: -1, reconnectTimeWait: o.reconnectWaitMs,
      // Addresses the server advertises may not be reachable from here (NAT, proxies).
      ignoreClusterUpdates: true,
    });
  } catch (err) {
    throw new ClusterError('E_CLUSTER_UNAVAILABLE', `nats ${servers.join(',')}: ${errorText(err)}`, { retryable: true, cause: err, context: { servers: servers.join(',') } });
  }
}
