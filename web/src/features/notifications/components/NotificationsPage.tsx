import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { useClient, useMutation, type CombinedError } from "urql";
import { Empty, ErrorNote, InfoNote, PageTitle, Spinner } from "../../../components/ui";
import type { NotificationFieldsFragment } from "../../../gql/graphql";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { useActivityStamp, useCabinet } from "../../family/context";
import { MarkNotificationsRead, Notifications } from "../api/operations";
import { LIST_POLL_MS, useLooksAfter, usePoll } from "../looks";
import { EMPTY, allRead, linkOf, noticeTime, withNewest, withOlder, type Paging } from "../notices";
import { useRefreshUnread } from "./NotificationsBell";

const PAGE = 20;

type Item = NotificationFieldsFragment;

/** The list read page by page: the newest page again on every cabinet event, older pages on "show more". */
function useNotices(stamp: string | null) {
  const client = useClient();
  const refreshUnread = useRefreshUnread();
  const [paging, setPaging] = useState<Paging<Item>>(EMPTY);
  const [unread, setUnread] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [older, setOlder] = useState(false);
  const [error, setError] = useState<CombinedError | undefined>(undefined);

  const read = useCallback(async (after: string | null) => {
    const result = await client.query(Notifications, { first: PAGE, after }, { requestPolicy: "network-only" })
      .toPromise();
    setError(result.error);
    const page = result.data?.myNotifications;
    if (page) setUnread(page.unreadCount);
    return page ?? null;
  }, [client]);

  const newest = useCallback(async () => {
    const page = await read(null);
    if (page) setPaging((p) => withNewest(p, page));
    setLoaded(true);
    await refreshUnread(); // the bell says the same number as the page
  }, [read, refreshUnread]);
  useEffect(() => {
    void newest();
  }, [newest]);
  // the page open on an event: the newest page again (a notice is recorded a moment after its event)
  const look = useCallback(() => void newest(), [newest]);
  useLooksAfter(stamp, look);
  usePoll(LIST_POLL_MS, look);

  const showOlder = async (): Promise<string | null> => {
    if (!paging.cursor) return null;
    setOlder(true);
    const page = await read(paging.cursor);
    setOlder(false);
    if (!page) return null;
    setPaging((p) => withOlder(p, page));
    return page.items[0]?.id ?? null;
  };

  const markedAll = (count: number) => {
    setPaging(allRead);
    setUnread(count);
  };

  return { paging, unread, loaded, older, error, showOlder, markedAll };
}

/** The guardian's notifications, in the family cabinet of the child shown. */
export default function NotificationsPage() {
  const { family, child, timeZone } = useCabinet();
  const stamp = useActivityStamp();
  const linkFor = useCallback((n: Item): NoticeTarget | null => {
    const link = linkOf(n, family.students, child.id);
    return link && { to: link.to, label: `notify.open.${link.label}` };
  }, [family.students, child.id]);
  return <NoticesView timeZone={timeZone} stamp={stamp} settingsTo={`/c/${child.id}/notifications/settings`}
    linkFor={linkFor} none="notify.none" />;
}

/** Where a notice leads in the cabinet showing it, and the link's words. */
export interface NoticeTarget {
  to: string;
  label: MessageKey;
}

export interface NoticesViewProps {
  /** The zone times are shown in (the branch's). */
  timeZone: string;
  /** Changes on a cabinet event (the list reads its newest page again); null: no live events. */
  stamp: string | null;
  settingsTo: string;
  linkFor: (notice: Item) => NoticeTarget | null;
  /** What an empty list says. */
  none: MessageKey;
}

/**
 * A person's notifications (a guardian's or a staff member's), newest first, 20 at a time. Opening the page
 * marks nothing: "mark all read" is the person's button, so the unread ones stay marked "new" until they have
 * been seen and the person says so (marking on opening would also mark the pages not yet shown, as the API marks
 * all at once).
 */
export function NoticesView({ timeZone, stamp, settingsTo, linkFor, none }: NoticesViewProps) {
  const { t, locale } = useI18n();
  const { paging, unread, loaded, older, error, showOlder, markedAll } = useNotices(stamp);
  const [marking, markRead] = useMutation(MarkNotificationsRead);
  const refreshUnread = useRefreshUnread();
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const [focusId, setFocusId] = useState<string | null>(null);

  // after "show more", the first older notice takes the focus (the button may be gone: the list's end)
  useEffect(() => {
    if (focusId) document.getElementById(`notice-${focusId}`)?.focus();
  }, [focusId]);

  const onMarkAll = async () => {
    setNote(null);
    const result = await markRead({ ids: null });
    const payload = result.data?.markNotificationsRead;
    if (payload && payload.errors.length === 0) {
      markedAll(payload.unreadCount ?? 0);
      setNote({ ok: true, text: t("notify.marked") });
      await refreshUnread();
    } else {
      const first = payload?.errors[0];
      setNote({ ok: false, text: first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic") });
    }
  };

  const onShowOlder = async () => {
    const first = await showOlder();
    if (first) setFocusId(first);
  };

  const when = (iso: string) => {
    const at = noticeTime(iso, locale, timeZone);
    return at.day ? t(`notify.${at.day}`, { time: at.time }) : `${at.date}, ${at.time}`;
  };

  return (
    <div className="notices-page">
      <PageTitle>{t("notify.title")}</PageTitle>
      <div className="notices-bar">
        <p className="notices-bar__count" role="status" data-testid="unread-count">
          {unread === null ? "" : unread > 0 ? t("notify.unread", { count: unread }) : t("notify.allRead")}
        </p>
        <div className="row">
          <button type="button" className="button" onClick={() => void onMarkAll()}
            disabled={marking.fetching || !unread}>
            {t("notify.markAll")}
          </button>
          <Link className="button" to={settingsTo}>{t("notify.settings")}</Link>
        </div>
      </div>
      {/* "marked" stands while nothing new has come since */}
      {note && (note.ok ? unread === 0 && <InfoNote>{note.text}</InfoNote> : <ErrorNote>{note.text}</ErrorNote>)}
      {!loaded ? <Spinner /> : error && paging.items.length === 0 ? <ErrorNote>{describeCombined(t, error)}</ErrorNote> :
        paging.items.length === 0 ? <Empty>{t(none)}</Empty> : (
          <section className="card">
            <ul className="list notices" aria-label={t("notify.list")} data-testid="notices">
              {paging.items.map((n) => {
                const link = linkFor(n);
                return (
                  <li key={n.id} id={`notice-${n.id}`} tabIndex={-1} data-testid="notice" data-read={n.read} data-kind={n.kind}
                    className={n.read ? "notice" : "notice notice--unread"}>
                    <div className="notice__head">
                      {!n.read && <span className="badge badge--new">{t("notify.new")}</span>}
                      <strong className="notice__subject">{n.subject}</strong>
                      <time className="notice__time muted" dateTime={n.createdAt}>{when(n.createdAt)}</time>
                    </div>
                    <p className="notice__text">{n.text}</p>
                    {link && (
                      <Link className="notice__link" to={link.to}>
                        {t(link.label)}
                      </Link>
                    )}
                  </li>
                );
              })}
            </ul>
            {error && <ErrorNote>{describeCombined(t, error)}</ErrorNote>}
            {paging.cursor ? (
              <button type="button" className="button notices__more" onClick={() => void onShowOlder()}
                disabled={older}>
                {older ? t("common.loading") : t("notify.more")}
              </button>
            ) : <p className="muted notices__end">{t("notify.end")}</p>}
          </section>
        )}
    </div>
  );
}
