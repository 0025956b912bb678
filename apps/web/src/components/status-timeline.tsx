import type { OrderStatus } from '@shopnest/contracts';
import { timelineSteps } from '../lib/timeline';

/** The order's statuses as a vertical list: done, current (announced to screen readers), to come. */
export function StatusTimeline({ status, reachedAt }: { status: OrderStatus; reachedAt: ReadonlyMap<string, string> }) {
  return (
    <ol class="timeline" aria-label="Order status">
      {timelineSteps(status, reachedAt).map((step) => (
        <li
          key={step.status}
          class={`timeline__step timeline__step--${step.state}`}
          data-status={step.status}
          aria-current={step.state === 'current' ? 'step' : undefined}
        >
          <span class="timeline__label">{step.label}</span>
          {step.at && <time dateTime={step.at}>{new Date(step.at).toLocaleTimeString()}</time>}
        </li>
      ))}
    </ol>
  );
}
