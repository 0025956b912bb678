import { Injectable } from '@nestjs/common';
import { ServerResponse } from 'node:http';
import { sseDraining } from './sse-format';

/** The SSE streams open on this edge, each with its `end`: shutdown and drain reach them through here. */
@Injectable()
export class SseStreams {
  private readonly open = new Map<() => void, ServerResponse>();

  add(end: () => void, res: ServerResponse): void {
    this.open.set(end, res);
  }

  delete(end: () => void): void {
    this.open.delete(end);
  }

  /** Ends every stream; clients reconnect (to another edge) with `Last-Event-ID`. */
  endAll(): void {
    for (const end of [...this.open.keys()]) end();
  }

  /**
   * Graceful drain: every stream gets `session.draining` with its own `retry:` delay from
   * `delayFor()` and ends; EventSource reconnects after that delay, with `Last-Event-ID`.
   */
  drain(delayFor: () => number): number {
    const streams = [...this.open.entries()];
    for (const [end, res] of streams) {
      if (!res.writableEnded) res.write(sseDraining(Math.round(delayFor())));
      end();
    }
    return streams.length;
  }
}
