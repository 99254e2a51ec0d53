import { lazy, Suspense, useMemo, useState } from "react";
import { Route, Routes } from "react-router-dom";
import { useQuery } from "urql";
import { NotFound } from "../components/NotFound";
import { ErrorNote, Spinner } from "../components/ui";
import { describeCombined } from "../lib/errors";
import { useI18n } from "../lib/i18n";
import { AdminFrame } from "../features/admin/api/operations";
import { AdminLayout } from "../features/admin/components/AdminLayout";
import MonthPage from "../features/admin/components/MonthPage";

// The month is the admin's first screen; every other one is its own chunk, loaded when opened.
const ClientsPage = lazy(() => import("../features/admin/components/ClientsPage"));
const ClientCardPage = lazy(() => import("../features/admin/components/ClientCardPage"));
const LeadsPage = lazy(() => import("../features/admin/components/LeadsPage"));
const NewLeadPage = lazy(() => import("../features/admin/components/LeadsPage").then((m) => ({ default: m.NewLeadPage })));
const LeadCardPage = lazy(() => import("../features/admin/components/LeadCardPage"));
const FunnelPage = lazy(() => import("../features/admin/components/FunnelPage"));
const StaffNotificationsPage = lazy(() => import("../features/notifications/components/StaffNotifications")
  .then((m) => ({ default: m.StaffNotificationsPage })));
const StaffNotificationSettingsPage = lazy(() => import("../features/notifications/components/StaffNotifications")
  .then((m) => ({ default: m.StaffNotificationSettingsPage })));
import { AdminCtx, managedBranches, type AdminState } from "../features/admin/useAdmin";
import { FreshPerRoute } from "./FreshPerRoute";

/** The admin's cabinet (`/a`, branch admins and the owner): a group's month to fill and publish, the clients and
 * a client's card, the leads (list, card, new) and their month's funnel, and the admin's own notifications. */
export default function AdminRoutes() {
  const { t } = useI18n();
  const [{ data, error }] = useQuery({ query: AdminFrame });
  const [chosen, setBranchId] = useState<string | null>(null);
  const state = useMemo<AdminState | null>(() => {
    if (!data) return null;
    const branches = managedBranches(data);
    const branch = branches.find((b) => b.id === chosen) ?? branches[0];
    return branch ? { frame: data, branches, branch, setBranchId } : null;
  }, [data, chosen]);
  if (!data) {
    return error
      ? <main id="main" className="center"><ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote></main>
      : <main className="center"><Spinner /></main>;
  }
  if (!state) return <main id="main" className="center"><ErrorNote>{t("admin.noBranch")}</ErrorNote></main>;
  return (
    <AdminCtx.Provider value={state}>
      <AdminLayout>
        {/* a screen's chunk loading: the layout (and its main) stays, the spinner in the screen's place */}
        <Suspense fallback={<Spinner />}>
        <Routes>
          <Route index element={<MonthPage />} />
          <Route path="clients" element={<ClientsPage />} />
          <Route path="clients/:familyId" element={<FreshPerRoute><ClientCardPage /></FreshPerRoute>} />
          <Route path="leads" element={<LeadsPage />} />
          <Route path="leads/new" element={<NewLeadPage />} />
          <Route path="leads/:leadId" element={<FreshPerRoute><LeadCardPage /></FreshPerRoute>} />
          <Route path="funnel" element={<FunnelPage />} />
          <Route path="notifications" element={<StaffNotificationsPage base="/a" timeZone={state.branch.timeZone} />} />
          <Route path="notifications/settings" element={<StaffNotificationSettingsPage base="/a" />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
        </Suspense>
      </AdminLayout>
    </AdminCtx.Provider>
  );
}
