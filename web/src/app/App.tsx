import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Provider } from "urql";
import { createGraphQLClient } from "../lib/graphql/client";
import { I18nProvider, useI18n } from "../lib/i18n";
import { CABINET_HOME, cabinetOf, refresh, type CabinetKind } from "../lib/session";
import { useSession } from "../lib/useSession";
import { Spinner } from "../components/ui";
import { NotFound } from "../components/NotFound";
import { ErrorBoundary } from "../components/ErrorBoundary";
import { installRefresher } from "../features/auth/session";
import { SignInPage } from "../features/auth/components/SignInPage";

// Routes past sign-in are split into their own chunks: the first screen carries only sign-in.
const CabinetRoutes = lazy(() => import("./CabinetRoutes"));
const TeacherRoutes = lazy(() => import("./TeacherRoutes"));
const AdminRoutes = lazy(() => import("./AdminRoutes"));
const RegisterPage = lazy(() => import("../features/registration/components/RegisterPage"));
const ConfirmEmailPage = lazy(() => import("../features/registration/components/ConfirmEmailPage"));

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/signin?next=${next}`} replace />;
  }
  return <>{children}</>;
}

/**
 * Each cabinet is its role's only: teachers get the teacher's cabinet (`/t`), branch admins and the owner the
 * admin's (`/a`), everyone else the family's. Another role's addresses are "not found" before any of that cabinet's
 * code or queries run; `/` leads staff to their own cabinet.
 */
function ForRole({ cabinet, children }: { cabinet: CabinetKind; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const own = cabinetOf(session);
  if (own === cabinet) return <>{children}</>;
  if (own !== "family" && location.pathname === "/") return <Navigate to={CABINET_HOME[own]} replace />;
  return <main id="main" className="center"><NotFound /></main>;
}

function Guarded({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return <ErrorBoundary message={t("error.screen")} action={t("error.reload")}>{children}</ErrorBoundary>;
}

export function App() {
  const client = useMemo(() => {
    const c = createGraphQLClient();
    installRefresher(c);
    return c;
  }, []);
  // On load, the refresh cookie (if any) restores the session before any route decides.
  const [restoring, setRestoring] = useState(true);
  useEffect(() => {
    void refresh().finally(() => setRestoring(false));
  }, []);
  return (
    <I18nProvider>
      <Provider value={client}>
        {restoring ? (
          <main className="center"><Spinner /></main>
        ) : (
          <BrowserRouter>
            <Guarded>
              <Suspense fallback={<main className="center"><Spinner /></main>}>
                <Routes>
                  <Route path="/signin" element={<SignInPage />} />
                  <Route path="/register" element={<RegisterPage />} />
                  <Route path="/confirm-email" element={<ConfirmEmailPage />} />
                  <Route path="/t/*" element={
                    <RequireSession><ForRole cabinet="teacher"><TeacherRoutes /></ForRole></RequireSession>} />
                  <Route path="/a/*" element={
                    <RequireSession><ForRole cabinet="admin"><AdminRoutes /></ForRole></RequireSession>} />
                  <Route path="/*" element={
                    <RequireSession><ForRole cabinet="family"><CabinetRoutes /></ForRole></RequireSession>} />
                  <Route path="*" element={<NotFound />} />
                </Routes>
              </Suspense>
            </Guarded>
          </BrowserRouter>
        )}
      </Provider>
    </I18nProvider>
  );
}
