/**
 * The events stream `<ns>-events` (subjects `<ns>.events.>`): created when missing with the
 * duplicate window that makes A/B and retried publishes land once; refused when it exists with
 * other subjects or a shorter duplicate window than asked (exactly-once would silently shrink).
 */
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { ClusterError, errorText } from './errors.js';
import { eventStreamName, eventSubjectFilter } from './names.js';

export interface EventStreamOptions {
  readonly namespace: string;
  readonly duplicateWindowMs: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

export async function ensureEventStream(nc: NatsConnection, o: EventStreamOptions): Promise<JetStreamManager> {
  const name = eventStreamName(o.namespace);
  const subject = eventSubjectFilter(o.namespace);
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(name).catch((err: unknown) => {
      if (/not found/i.test(errorText(err))) return null;
      throw err;
    });
    if (info) {
      if (!info.config.subjects?.includes(subject)) {
        throw new ClusterError('E_CLUSTER_CONFIG', `stream ${name} exists with subjects [${(info.config.subjects ?? []).join(', ')}], not ${subject}`, { retryable: false, context: { stream: name } });
      }
      if (info.config.duplicate_window < nanos(o.duplicateWindowMs)) {
        throw new ClusterError('E_CLUSTER_CONFIG', `stream ${name} has a duplicate window of ${info.config.duplicate_window / 1e6} ms, shorter than cluster.duplicateWindowMs ${o.duplicateWindowMs}`, { retryable: false, context: { stream: name } });
      }
      return jsm;
    }
    await jsm.streams.add({
      name, subjects: [subject], duplicate_window: nanos(o.duplicateWindowMs), max_age: nanos(o.maxAgeMs), max_bytes: o.maxBytes,
      // Direct get serves "last message per subject" for failover resume from any replica.
      allow_direct: true,
    });
    return jsm;
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw new ClusterError('E_CLUSTER_UNAVAILABLE', `events stream ${name}: ${errorText(err)}`, { retryable: true, cause: err, context: { stream: name } });
  }
}
