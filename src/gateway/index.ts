export { Gateway, startGateway, DEFAULT_WEB_DIR, type GatewayOptions } from './gateway.js';
export { startDemo, DEMO_CRYPTO_SYMBOLS, DEMO_EQUITY_SYMBOLS, type Demo, type DemoOptions } from './demo.js';
export { VenueFeed, type VenueFeedOptions, type VenueFeedStats } from './venue-feed.js';
export type { GatewayStatus, ConnectionStatus, VenueFlow, ConsumerFlow, SinkStatus, ClientsStatus } from './status.js';
