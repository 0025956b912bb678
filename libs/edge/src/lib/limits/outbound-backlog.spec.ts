import { EventEmitter } from 'node:events';
import { EngineConnection, OutboundBacklog, OutboundBacklogWatch, watchOutboundBacklog } from './outbound-backlog';

describe('OutboundBacklog', () => {
  it('counts what waits in the write buffer and trips once it passes the limit', () => {
    const backlog = new OutboundBacklog(100);
    expect(backlog.queued(60, false)).toBe(false);
    expect(backlog.queued(40, false)).toBe(false);
    expect(backlog.bytes).toBe(100);
    expect(backlog.queued(1, false)).toBe(true);
    expect(backlog.bytes).toBe(101);
  });

  it('keeps counting a flushed batch while the transport is still writing it (full TCP window)', () => {
    const backlog = new OutboundBacklog(100);
    backlog.queued(80, false);
    backlog.flushed(); // handed to the transport, not yet written
    expect(backlog.bytes).toBe(80);
    expect(backlog.queued(30, false)).toBe(true);
  });

  it('forgets the flushed batch once the transport is writable again (a client that reads)', () => {
    const backlog = new OutboundBacklog(100);
    backlog.queued(90, false);
    backlog.flushed();
    // The transport wrote the batch and takes the next packet at once: nothing waits.
    expect(backlog.queued(30, true)).toBe(false);
    expect(backlog.bytes).toBe(30);
    backlog.flushed();
    expect(backlog.queued(60, false)).toBe(false);
  });

  it('stays bounded over many batches of a client that keeps up', () => {
    const backlog = new OutboundBacklog(1_000);
    for (let i = 0; i < 10_000; i++) {
      expect(backlog.queued(400, true)).toBe(false);
      backlog.flushed();
    }
    expect(backlog.bytes).toBe(400);
  });
});

/** engine.io's connection as the watcher sees it: its events and its transport's state. */
class FakeConnection extends EventEmitter {
  transport = { name: 'websocket', writable: true };
  private waiting = 0;

  /** What engine.io's `sendPacket` does: `packetCreate`, then a flush (`drain`) if the transport is writable. */
  send(data: string | Buffer): void {
    this.emit('packetCreate', { type: 'message', data });
    this.waiting++;
    if (this.transport.writable) this.flush();
  }

  /** The transport finished writing its batch (the client read): engine.io flushes what waited, if anything. */
  written(): void {
    this.transport.writable = true;
    if (this.waiting > 0) this.flush();
  }

  private flush(): void {
    this.waiting = 0;
    this.transport.writable = false; // writing the batch
    this.emit('drain');
  }
}

describe('watchOutboundBacklog', () => {
  const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('reports a connection whose unread packets pass the limit, once, after the packet that crossed it', async () => {
    const conn = new FakeConnection();
    const overflows: number[] = [];
    watchOutboundBacklog(conn as unknown as EngineConnection, 1_000, (bytes) => overflows.push(bytes));
    for (let i = 0; i < 10; i++) conn.send('x'.repeat(100)); // the first is being written, nine wait
    await flushMicrotasks();
    expect(overflows).toEqual([]);
    conn.send('x'.repeat(100));
    expect(overflows).toEqual([]); // not inside engine.io's sendPacket
    await flushMicrotasks();
    expect(overflows).toEqual([1_100]);
    for (let i = 0; i < 10; i++) conn.send('x'.repeat(100));
    await flushMicrotasks();
    expect(overflows).toHaveLength(1);
  });

  it('leaves a connection that reads alone, however much flows', async () => {
    const conn = new FakeConnection();
    const overflows: number[] = [];
    watchOutboundBacklog(conn as unknown as EngineConnection, 1_000, (bytes) => overflows.push(bytes));
    for (let i = 0; i < 1_000; i++) {
      conn.send(Buffer.alloc(300));
      conn.send('y'.repeat(300));
      conn.written(); // the first batch; engine.io hands over the second
      conn.written();
    }
    await flushMicrotasks();
    expect(overflows).toEqual([]);
  });
});

describe('OutboundBacklogWatch', () => {
  it('keeps each connection’s backlog apart, reporting only the one that stopped reading, with shared listeners', async () => {
    const reported: [string, number][] = [];
    const backlogs = new OutboundBacklogWatch<string>(1_000, (subject, bytes) => reported.push([subject, bytes]));
    const [reader, stalled] = [new FakeConnection(), new FakeConnection()];
    backlogs.watch(reader as unknown as EngineConnection, 'reader');
    backlogs.watch(stalled as unknown as EngineConnection, 'stalled');
    for (let i = 0; i < 20; i++) {
      reader.send('x'.repeat(100));
      reader.written();
      stalled.send('x'.repeat(100));
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(reported).toEqual([['stalled', 1_100]]);
    // Nothing allocated per connection for its listeners: both run the same two functions.
    expect(reader.listeners('packetCreate')).toEqual(stalled.listeners('packetCreate'));
    expect(reader.listeners('drain')[0]).toBe(stalled.listeners('drain')[0]);
  });
});
