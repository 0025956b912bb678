import { TypedEmitter } from './typed-emitter';

type Events = { state: [state: string, detail?: number]; gap: [channel: string] };

describe('TypedEmitter', () => {
  it('calls the listeners of an event with its arguments, until removed', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: unknown[] = [];
    const off = emitter.on('state', (state, detail) => seen.push([state, detail]));
    emitter.on('gap', (channel) => seen.push(channel));
    emitter.emit('state', 'connected', 1);
    emitter.emit('gap', 'order:1');
    off();
    emitter.emit('state', 'closed');
    expect(seen).toEqual([['connected', 1], 'order:1']);
  });

  it('keeps calling the other listeners when one throws, and hands the error on', () => {
    const errors: unknown[] = [];
    const emitter = new TypedEmitter<Events>((error, event) => errors.push([event, (error as Error).message]));
    const seen: string[] = [];
    emitter.on('gap', () => {
      throw new Error('boom');
    });
    emitter.on('gap', (channel) => seen.push(channel));
    emitter.emit('gap', 'order:1');
    expect(seen).toEqual(['order:1']);
    expect(errors).toEqual([['gap', 'boom']]);
  });

  it('does not skip a listener when an earlier one removes itself during the emit', () => {
    const emitter = new TypedEmitter<Events>();
    const seen: string[] = [];
    const off = emitter.on('gap', () => off());
    emitter.on('gap', (channel) => seen.push(channel));
    emitter.emit('gap', 'x');
    expect(seen).toEqual(['x']);
    expect(emitter.listenerCount('gap')).toBe(1);
  });
});
