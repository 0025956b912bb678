import { nextStatus, timelineSteps } from './timeline';

describe('timelineSteps', () => {
  it('marks the steps before the current status done, the current one current and the rest to come', () => {
    const steps = timelineSteps(
      'packed',
      new Map([
        ['placed', 't0'],
        ['confirmed', 't1'],
        ['packed', 't2'],
      ]),
    );
    expect(steps.map((s) => [s.status, s.state, s.at])).toEqual([
      ['placed', 'done', 't0'],
      ['confirmed', 'done', 't1'],
      ['packed', 'current', 't2'],
      ['shipped', 'todo', undefined],
      ['out_for_delivery', 'todo', undefined],
      ['delivered', 'todo', undefined],
    ]);
  });

  it('ends a cancelled order after the statuses it reached, never showing the ones it skipped', () => {
    const steps = timelineSteps(
      'cancelled',
      new Map([
        ['placed', 't0'],
        ['cancelled', 't1'],
      ]),
    );
    expect(steps.map((s) => [s.status, s.state])).toEqual([
      ['placed', 'done'],
      ['cancelled', 'current'],
    ]);
  });
});

describe('nextStatus', () => {
  it('follows the normal path and stops at its end and at cancelled', () => {
    expect(nextStatus('placed')).toBe('confirmed');
    expect(nextStatus('out_for_delivery')).toBe('delivered');
    expect(nextStatus('delivered')).toBeNull();
    expect(nextStatus('cancelled')).toBeNull();
  });
});
