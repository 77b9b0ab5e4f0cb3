/**
 * The outage both network sinks' tests drive through a TCP proxy in front of the real service:
 * records flow, the port is refused (records reach the spool), then black-holed (a write times
 * out against it), then forwarded again. Returns every record pushed, in push order.
 */
import type { SinkRecord } from '../../../../src/sinks/sink.js';
import type { SupervisedSink } from '../../../../src/sinks/supervised-sink.js';
import { mixed } from '../../../unit/sinks/helpers/records.js';
import { waitFor, type TcpProxy } from '../../../helpers/tcp-proxy.js';

export async function outageThroughProxy(runner: SupervisedSink, proxy: TcpProxy, onPush: () => void = () => undefined): Promise<SinkRecord[]> {
  const sent: SinkRecord[] = [];
  const push = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const batch = mixed(sent.length, 5);
      sent.push(...batch);
      runner.push(batch);
      onPush();
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await push(20);
  await runner.flush();
  await proxy.set('refuse');
  await push(40);
  await waitFor(() => runner.health().spool.rows > 0, 'records in the spool during the refused outage');
  await proxy.set('blackhole');
  const failedBefore = runner.stats().failedWrites;
  await push(30);
  // The black hole must actually have been hit: a write timed out against it.
  await waitFor(() => runner.stats().failedWrites > failedBefore, 'a write failing against the black hole');
  await proxy.set('forward');
  await push(20);
  return sent;
}
