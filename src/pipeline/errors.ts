/** Errors of the pipeline, each with a stable code. */
import { TickgateError } from '../model/errors.js';

export class HandlerTimeoutError extends TickgateError {
  constructor(consumer: string, symbol: string | null, timeoutMs: number) {
    super('E_HANDLER_TIMEOUT', `consumer "${consumer}" took longer than ${timeoutMs} ms${symbol ? ` on ${symbol}` : ''}; event abandoned`, {
      context: { consumer, symbol, timeoutMs }, retryable: true,
    });
  }
}

export class WorkerQueueFullError extends TickgateError {
  constructor(maxQueueTasks: number, filename: string) {
    super('E_WORKER_QUEUE_FULL', `worker pool queue is full (${maxQueueTasks} tasks); task for ${filename} rejected`, {
      context: { maxQueueTasks, filename }, retryable: true,
    });
  }
}

export class DispatcherClosedError extends TickgateError {
  constructor() {
    super('E_DISPATCHER_CLOSED', 'dispatcher is closed', { retryable: false });
  }
}
