/** Piscina task module: the order-flow calculator on a worker thread (the same pure function). */
import { computeOrderFlow, type OrderFlowInput, type OrderFlowResult } from './order-flow.js';

export function orderFlow(input: OrderFlowInput): OrderFlowResult {
  return computeOrderFlow(input);
}

export default orderFlow;
