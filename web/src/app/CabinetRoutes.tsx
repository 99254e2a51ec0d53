import { lazy, useCallback, useEffect, useMemo, useRef } from "react";
import { Navigate, Route, Routes, useMatch, useParams } from "react-router-dom";
import { useClient, useQuery } from "urql";
import { ErrorNote, Spinner } from "../components/ui";
import { NotFound } from "../components/NotFound";
import { Cabinet, FRAME_ONLY, homeVariables } from "./cabinetQuery";
import { CabinetLayout } from "./CabinetLayout";
import { ActivityCtx, CabinetCtx, FrameReloadCtx, type CabinetContext, type Family } from "../features/family/context";
import { childFromUrl } from "../features/family/childSwitch";
import { useI18n } from "../lib/i18n";
import { describeCombined } from "../lib/errors";
import { useFamilyActivity } from "../features/family/useFamilyActivity";
import { FreshPerRoute } from "./FreshPerRoute";

const HomePage = lazy(() => import("../features/home/components/HomePage"));
const LessonsPage = lazy(() => import("../features/lessons/components/LessonsPage"));
const LessonPage = lazy(() => import("../features/lessons/components/LessonPage"));
const MoneyPage = lazy(() => import("../features/money/components/MoneyPage"));
const BookingPage = lazy(() => import("../features/booking/components/BookingPage"));
const ProgressPage = lazy(() => import("../features/progress/components/ProgressPage"));
const QuestionsPage = lazy(() => import("../features/questions/components/QuestionsPage"));
const PrivacyPage = lazy(() => import("../features/privacy/components/PrivacyPage"));
const AddChildPage = lazy(() => import("../features/registration/components/AddChildPage"));
const LinkRecordsPage = lazy(() => import("../features/registration/components/LinkRecordsPage"));
const NotificationsPage = lazy(() => import("../features/notifications/components/NotificationsPage"));
const NotificationSettingsPage = lazy(() => import("../features/notifications/components/NotificationSettingsPage"));

export default function CabinetRoutes() {
  const { t } = useI18n();
  const client = useClient();
  // On a child's home the frame and the home come in one query; every other screen shares the frame's.
  const match = useMatch("/c/:studentId/*");
  const homeOf = match && !match.params["*"] ? match.params.studentId ?? null : null;
  const variables = useMemo(() => (homeOf ? homeVariables(homeOf) : FRAME_ONLY), [homeOf]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: Cabinet, variables });
  // While another screen's variables load, the frame already shown stays (no blank cabinet between screens).
  const last = useRef<Family | null>(null);
  if (data?.myFamily) last.current = data.myFamily;
  const family = data?.myFamily ?? last.current;
  const settled = !!data;
  const home = data?.student ?? null;
  // stable, so that screens may list it in their effects' dependencies
  const refetchCabinet = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch]);
  const reloadFrame = useCallback(async () => {
    await client.query(Cabinet, FRAME_ONLY, { requestPolicy: "network-only" }).toPromise();
  }, [client]);
  // The cabinet's one subscription: any event refetches the frame (and the home with it).
  const live = useFamilyActivity(family?.id);
  const balanceStamp = live.balance;
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (live.activity && live.activity !== handled.current) {
      handled.current = live.activity;
      refetchCabinet();
    }
  }, [live.activity, refetchCabinet]);
  if (!family && fetching) return <main className="center"><Spinner /></main>;
  if (!family) {
    return (
      <main className="center">
        {error ? (
          <div className="not-found">
            <ErrorNote>{describeCombined(t, error)}</ErrorNote>
            {/* a busy or unreachable server: the parent tries again from here, not from the browser's menu */}
            <button type="button" className="button button--primary" onClick={refetchCabinet} disabled={fetching}>
              {t("error.reload")}
            </button>
          </div>
        ) : <p>{t("family.none")}</p>}
      </main>
    );
  }
  const first = family.students.find((s) => !s.erased);
  return (
    <FrameReloadCtx.Provider value={reloadFrame}>
    <ActivityCtx.Provider value={live.activity}>
    <Routes>
      <Route path="/" element={first ? <Navigate to={`/c/${first.id}`} replace /> : <Navigate to="/family/add-child" replace />} />
      <Route path="/family/add-child" element={<CabinetLayout family={family}><AddChildPage /></CabinetLayout>} />
      <Route path="/family/link" element={<CabinetLayout family={family}><LinkRecordsPage /></CabinetLayout>} />
      <Route path="/c/:studentId/*" element={<ChildRoutes family={family} settled={settled} home={home} balanceStamp={balanceStamp}
        refetch={refetchCabinet} />} />
      <Route path="*" element={<CabinetLayout family={family}><NotFound /></CabinetLayout>} />
    </Routes>
    </ActivityCtx.Provider>
    </FrameReloadCtx.Provider>
  );
}

function ChildRoutes({ family, refetch, balanceStamp, settled, home }: {
  family: CabinetContext["family"]; refetch: () => void; balanceStamp: string | null; settled: boolean;
  home: CabinetContext["home"];
}) {
  const { studentId } = useParams();
  const child = childFromUrl(family.students, studentId);
  const value = useMemo<CabinetContext | null>(() => child && {
    family, child,
    timeZone: child.branch?.timeZone ?? "Europe/Moscow",
    currency: family.account?.balance.currency ?? "RUB",
    refetchFamily: refetch,
    balanceStamp,
    home: home && home.id === child.id ? home : null,
  }, [family, child, refetch, balanceStamp, home]);
  // A child who is not this family's (another family's id typed in): "not found", and no query is made.
  if (!child || !value) {
    // a child the frame does not list: wait for the current frame before saying "not found"
    if (!settled) return <main className="center"><Spinner /></main>;
    return <CabinetLayout family={family}><NotFound /></CabinetLayout>;
  }
  return (
    <CabinetCtx.Provider value={value}>
      <CabinetLayout family={family} child={child}>
        <Routes>
          <Route index element={<HomePage />} />
          <Route path="lessons" element={<LessonsPage />} />
          <Route path="lessons/:lessonId" element={<FreshPerRoute><LessonPage /></FreshPerRoute>} />
          <Route path="money" element={<MoneyPage />} />
          <Route path="book" element={<BookingPage />} />
          <Route path="progress" element={<ProgressPage />} />
          <Route path="questions" element={<QuestionsPage />} />
          <Route path="privacy" element={<PrivacyPage />} />
          <Route path="notifications" element={<NotificationsPage />} />
          <Route path="notifications/settings" element={<NotificationSettingsPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </CabinetLayout>
    </CabinetCtx.Provider>
  );
}
