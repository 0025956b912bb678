/**
 * Channel offsets have the form of Redis Stream ids, `<ms>-<seq>`: the append time in ms and a
 * counter within that ms. Every adapter issues them in this form, so offsets compare the same way
 * whichever adapter wrote them, and an offset also tells roughly when its event was appended.
 */
const OFFSET = /^(\d{1,16})-(\d{1,16})$/;

/** `[ms, seq]` of a well-formed offset; `null` for anything else (a client may send any string). */
export function parseOffset(offset: string): [bigint, bigint] | null {
  const match = OFFSET.exec(offset);
  return match ? [BigInt(match[1] as string), BigInt(match[2] as string)] : null;
}

/**
 * Orders two offsets of one channel: negative when `a` came first, 0 when equal, positive when
 * `a` came later. Offsets of different channels are not comparable in any useful way.
 *
 * @throws Error when either is not an offset this library issued (see {@link isOffset}).
 * @example
 * // the edge, at the seam between replay and live: drop a live delivery the replay already sent
 * if (compareOffsets(delivery.offset, lastReplayed) <= 0) return;
 */
export function compareOffsets(a: string, b: string): number {
  const pa = parseOffset(a);
  const pb = parseOffset(b);
  if (!pa || !pb) throw new Error(`compareOffsets: not an offset: ${JSON.stringify(pa ? b : a)}`);
  if (pa[0] !== pb[0]) return pa[0] < pb[0] ? -1 : 1;
  if (pa[1] !== pb[1]) return pa[1] < pb[1] ? -1 : 1;
  return 0;
}

/** Whether `value` has the form of an offset (it may still name no event that exists). */
export function isOffset(value: string): boolean {
  return parseOffset(value) !== null;
}

/**
 * `recovered` for a read after `since`, given the oldest offset still kept: true only when
 * nothing after `since` can have been trimmed, i.e. `since` is at or after the oldest kept event.
 * Conservative: a `since` just before the oldest kept one reads as not recovered, and so does an
 * empty channel (it may have expired), so a client refetches rather than misses an event.
 */
export function recoveredSince(since: string, oldestKept: string | undefined): boolean {
  return oldestKept !== undefined && isOffset(since) && compareOffsets(since, oldestKept) >= 0;
}
