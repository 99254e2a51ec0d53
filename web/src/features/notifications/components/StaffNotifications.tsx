import { useCallback } from "react";
import type { NotificationFieldsFragment } from "../../../gql/graphql";
import { staffLinkOf } from "../notices";
import { NotificationSettings } from "./NotificationSettingsPage";
import { NoticesView, type NoticeTarget } from "./NotificationsPage";

/** A staff member's notifications in their cabinet (`base`: "/a" the admin's, "/t" the teacher's); staff get no
 * live events in the cabinet, so the list reads again on its poll only. */
export function StaffNotificationsPage({ base, timeZone }: { base: string; timeZone: string }) {
  const linkFor = useCallback((n: NotificationFieldsFragment): NoticeTarget | null => {
    const link = staffLinkOf(n, base);
    return link && { to: link.to, label: `notify.open.${link.label}` };
  }, [base]);
  return <NoticesView timeZone={timeZone} stamp={null} settingsTo={`${base}/notifications/settings`}
    linkFor={linkFor} none="notify.staffNone" />;
}

export function StaffNotificationSettingsPage({ base }: { base: string }) {
  return <NotificationSettings audience="staff" backTo={`${base}/notifications`} />;
}
