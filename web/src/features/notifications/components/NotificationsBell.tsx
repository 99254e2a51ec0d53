import { useCallback } from "react";
import { NavLink } from "react-router-dom";
import { useClient, useQuery } from "urql";
import { useI18n } from "../../../lib/i18n";
import { UnreadNotifications } from "../api/unread";
import { useLooksAfter } from "../looks";

/**
 * A cabinet's bell (the family's, the admin's, the teacher's): a link to the notifications with the unread count
 * as a number (its accessible name says the count in words). Refreshed on every cabinet event (`stamp`; staff's
 * cabinets have none: null) and after "mark all read".
 */
export function NotificationsBell({ to, stamp }: { to: string; stamp: string | null }) {
  const { t } = useI18n();
  const [{ data }] = useQuery({ query: UnreadNotifications, requestPolicy: "cache-and-network" });
  const refresh = useRefreshUnread();
  useLooksAfter(stamp, useCallback(() => void refresh(), [refresh]));
  const count = data?.myNotifications.unreadCount ?? 0;
  // The name is the link's own (hidden) text, the count in words - no aria-label over different visible text;
  // the eye reads the icon, the word (from tablets up) and the number in the badge.
  const name = count > 0 ? t("notify.bellUnread", { count }) : t("notify.bellNone");
  return (
    <NavLink to={to} className="bell" data-testid="notifications-bell" data-unread={count} title={name}>
      <svg className="bell__icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
        <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
      </svg>
      <span className="bell__text" aria-hidden="true">{t("notify.bell")}</span>
      <span className="visually-hidden">{name}</span>
      {count > 0 && <span className="bell__count" aria-hidden="true">{count > 99 ? "99+" : count}</span>}
    </NavLink>
  );
}

/** Read the unread count again now (the bell shows it): after marking notices read. */
export function useRefreshUnread(): () => Promise<void> {
  const client = useClient();
  return useCallback(async () => {
    await client.query(UnreadNotifications, {}, { requestPolicy: "network-only" }).toPromise();
  }, [client]);
}
