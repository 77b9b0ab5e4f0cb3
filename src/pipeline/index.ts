/** Public surface of the pipeline. */
export { BoundedQueue, type FullQueuePolicy, type QueueDrops, type BoundedQueueOptions } from './bounded-queue.js';
export { Dispatcher, type ConsumerSpec, type ConsumerStats, type DispatcherOptions, type Dispatchable } from './dispatcher.js';
export { WorkerPool, defaultWorkerExecArgv, type WorkerPoolOptions, type WorkerPoolStats, type WorkerTaskOptions } from './worker-pool.js';
export { LagMonitor, type LagMonitorOptions, type LagStats, type LagActivity } from './lag-monitor.js';
export { Pipeline, type PipelineOptions, type PipelineStats } from './pipeline.js';
export { HandlerTimeoutError, WorkerQueueFullError, DispatcherClosedError } from './errors.js';
