import { useMemo, useState } from "react";
import { Route, Routes } from "react-router-dom";
import { useQuery } from "urql";
import { NotFound } from "../components/NotFound";
import { ErrorNote, Spinner } from "../components/ui";
import { describeCombined } from "../lib/errors";
import { useI18n } from "../lib/i18n";
import { AdminFrame } from "../features/admin/api/operations";
import { AdminLayout } from "../features/admin/components/AdminLayout";
import MonthPage from "../features/admin/components/MonthPage";
import ClientsPage from "../features/admin/components/ClientsPage";
import ClientCardPage from "../features/admin/components/ClientCardPage";
import LeadsPage, { NewLeadPage } from "../features/admin/components/LeadsPage";
import LeadCardPage from "../features/admin/components/LeadCardPage";
import FunnelPage from "../features/admin/components/FunnelPage";
import { StaffNotificationSettingsPage, StaffNotificationsPage } from "../features/notifications/components/StaffNotifications";
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
      </AdminLayout>
    </AdminCtx.Provider>
  );
}
