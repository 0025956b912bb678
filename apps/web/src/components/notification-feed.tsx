import { userChannel } from '@shopnest/contracts';
import { useState } from 'preact/hooks';
import { useChannel, useLive } from '../live';

interface Note {
  id: string;
  orderId: string;
  text: string;
  time: string;
}

const KEPT = 20;

/**
 * The shopper's notifications (`notification.order_status` on `user:{id}`), newest first, with an
 * unread badge until the list is opened; the support-desk's unread count (`unread.changed`) beside it.
 */
export function NotificationFeed() {
  const { session } = useLive();
  const [notes, setNotes] = useState<Note[]>([]);
  const [unseen, setUnseen] = useState(0);
  const [supportUnread, setSupportUnread] = useState(0);
  const [open, setOpen] = useState(false);
  useChannel(userChannel(session.userId), (event) => {
    if (event.type === 'notification.order_status') {
      const note = {
        id: event.id,
        orderId: event.data['orderId'] as string,
        text: event.data['text'] as string,
        time: event.time,
      };
      setNotes((current) => [note, ...current].slice(0, KEPT));
      if (!open) setUnseen((n) => n + 1);
    } else if (event.type === 'unread.changed') {
      setSupportUnread(event.data['totalUnread'] as number);
    }
  });
  const badge = unseen + supportUnread;
  return (
    <div class="feed">
      <button
        type="button"
        class="feed__toggle"
        aria-expanded={open}
        aria-controls="feed-list"
        onClick={() => {
          setOpen((o) => !o);
          setUnseen(0);
        }}
      >
        Notifications
        {badge > 0 && (
          <span class="unread" data-testid="notification-badge" aria-label={`${badge} unread`}>
            {badge}
          </span>
        )}
      </button>
      {open && (
        <div class="feed__panel" id="feed-list">
          {supportUnread > 0 && <p class="feed__support">{supportUnread} unread support message(s)</p>}
          {notes.length === 0 ? (
            <p class="muted">Nothing new.</p>
          ) : (
            <ul>
              {notes.map((n) => (
                <li key={n.id}>
                  <a href={`#/orders/${n.orderId}`} onClick={() => setOpen(false)}>
                    {n.text}
                  </a>{' '}
                  <time class="muted" dateTime={n.time}>
                    {new Date(n.time).toLocaleTimeString()}
                  </time>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
