/** Downstream server: WebSocket fan-out with resume, admission and slow-consumer handling; HTTP routes; typed client. */
export { DownstreamServer, type DownstreamServerOptions, type DownstreamServerStats, type ServerLimits, type ConnectionSetupInfo } from './server.js';
export { TickgateClient, ClientError, backoffDelayMs, type TickgateClientOptions, type ClientEvent, type ClientEventMap, type ClientGap, type ClientState, type ClientStateChange } from './client.js';
export {
  parseChannel, isValidChannel, isConflatable, channelVenue, tradesChannel, candlesChannel, snapshotsChannel, bookChannel,
  STATUS_CHANNEL, servedChannels, type Channel, type ChannelKind, type ServedVenue,
} from './channels.js';
export * from './protocol.js';
export { ChannelError, ServerError } from './errors.js';
export type { AdmissionProviders, AdmissionReason } from './admission.js';
export type { HttpProviders, Readiness } from './http.js';
export { PROMETHEUS_CONTENT_TYPE, resolvePackageFile, defaultVendorFiles } from './http.js';
export type { Serializer, ChannelInfo, UpstreamGapFields } from './channel-hub.js';
export type { SessionInfo } from './client-session.js';
