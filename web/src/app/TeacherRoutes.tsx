import { lazy, Suspense, useMemo } from "react";
import { Route, Routes } from "react-router-dom";
import { NotFound } from "../components/NotFound";
import { useSession } from "../lib/useSession";
import { TeacherLayout } from "../features/teacher/components/TeacherLayout";
import TeacherHomePage from "../features/teacher/components/TeacherHomePage";
import SheetPage from "../features/teacher/components/SheetPage";
import { OutboxCtx, outboxFor } from "../features/teacher/useOutbox";
import { FreshPerRoute } from "./FreshPerRoute";
import { Spinner } from "../components/ui";

// The week and a lesson's sheet stay in this chunk (a sheet is filled in offline too); notifications load when opened.
const StaffNotificationsPage = lazy(() => import("../features/notifications/components/StaffNotifications")
  .then((m) => ({ default: m.StaffNotificationsPage })));
const StaffNotificationSettingsPage = lazy(() => import("../features/notifications/components/StaffNotifications")
  .then((m) => ({ default: m.StaffNotificationSettingsPage })));

/** The teacher's cabinet (`/t`): the week's lessons and the sheets to fill, and a lesson's sheet, and the teacher's own notifications. */
export default function TeacherRoutes() {
  const session = useSession();
  // Sheets kept offline belong to the staff member who made them (a shared phone never mixes two teachers').
  const owner = session?.staffId ?? "staff";
  const outbox = useMemo(() => outboxFor(owner), [owner]);
  return (
    <OutboxCtx.Provider value={outbox}>
      <TeacherLayout>
        <Suspense fallback={<Spinner />}>
        <Routes>
          <Route index element={<TeacherHomePage />} />
          <Route path="lessons/:lessonId" element={<FreshPerRoute><SheetPage /></FreshPerRoute>} />
          {/* no branch's zone in the teacher's frame: times in the device's own */}
          <Route path="notifications" element={<StaffNotificationsPage base="/t" timeZone={Intl.DateTimeFormat().resolvedOptions().timeZone} />} />
          <Route path="notifications/settings" element={<StaffNotificationSettingsPage base="/t" />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </Suspense>
      </TeacherLayout>
    </OutboxCtx.Provider>
  );
}
