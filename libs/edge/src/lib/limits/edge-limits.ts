/** The edge's limits; every one configurable (see apps/connection-edge/.env.example). */
export interface EdgeLimits {
  /** Messages a connection may send per second (counted on its edge). */
  messagesPerSecondPerConnection: number;
  /** Messages a user may send per second over all their connections on every edge (shared store). */
  messagesPerSecondPerUser: number;
  /** New connections per second from one IP address (shared store), checked before the token. */
  connectionsPerSecondPerIp: number;
  /** Open connections of one user across every edge (shared store). */
  connectionsPerUser: number;
  /** A connection refused this many messages within `abuseWindowSeconds` is disconnected. */
  abuseRefusals: number;
  abuseWindowSeconds: number;
  /**
   * How long a connection counts towards `connectionsPerUser` without its edge refreshing it
   * (every third of it): bounds how long a crashed edge's connections are still counted.
   */
  connectionLeaseSeconds: number;
  /**
   * Live deliveries held back per subscription while its replay is read and sent, by count and by
   * JSON bytes; past either, the subscription acks `recovered: false` (the client refetches over
   * REST) instead of the buffer growing without bound.
   */
  replayHoldBackEvents: number;
  replayHoldBackBytes: number;
  /**
   * Bytes that may wait for one client to read (socket.io: engine.io's write buffer and the batch
   * the transport is writing; SSE: the response's buffer). Past it the client is a slow consumer:
   * disconnected, it resumes from history. Keep it above the largest burst a healthy client gets
   * at once (a resume's replay).
   */
  maxOutboundBytes: number;
}

export const DEFAULT_EDGE_LIMITS: EdgeLimits = {
  messagesPerSecondPerConnection: 20,
  messagesPerSecondPerUser: 50,
  connectionsPerSecondPerIp: 20,
  connectionsPerUser: 10,
  abuseRefusals: 20,
  abuseWindowSeconds: 10,
  connectionLeaseSeconds: 60,
  replayHoldBackEvents: 1_000,
  replayHoldBackBytes: 1_048_576,
  maxOutboundBytes: 1_048_576,
};
