import { lazy, useEffect, useMemo } from "react";
import { Navigate, Route, Routes, useParams } from "react-router-dom";
import { useQuery } from "urql";
import { ErrorNote, Spinner } from "../components/ui";
import { NotFound } from "../components/NotFound";
import { MyFamily } from "../features/family/api/operations";
import { CabinetLayout } from "./CabinetLayout";
import { CabinetCtx, type CabinetContext } from "../features/family/context";
import { childFromUrl } from "../features/family/childSwitch";
import { useI18n } from "../lib/i18n";
import { describeCombined } from "../lib/errors";
import { useLiveBalance } from "../features/family/useLiveBalance";

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

export default function CabinetRoutes() {
  const { t } = useI18n();
  const [{ data, error, fetching }, refetch] = useQuery({ query: MyFamily });
  const family = data?.myFamily ?? null;
  const balanceStamp = useLiveBalance(family?.id);
  useEffect(() => {
    if (balanceStamp) refetch({ requestPolicy: "network-only" });
  }, [balanceStamp, refetch]);
  if (!data && fetching) return <main className="center"><Spinner /></main>;
  if (!family) {
    return (
      <main className="center">
        {error ? <ErrorNote>{describeCombined(t, error)}</ErrorNote> : <p>{t("family.none")}</p>}
      </main>
    );
  }
  const first = family.students.find((s) => !s.erased);
  return (
    <Routes>
      <Route path="/" element={first ? <Navigate to={`/c/${first.id}`} replace /> : <Navigate to="/family/add-child" replace />} />
      <Route path="/family/add-child" element={<CabinetLayout family={family}><AddChildPage /></CabinetLayout>} />
      <Route path="/family/link" element={<CabinetLayout family={family}><LinkRecordsPage /></CabinetLayout>} />
      <Route path="/c/:studentId/*" element={<ChildRoutes family={family} balanceStamp={balanceStamp} refetch={() => refetch({ requestPolicy: "network-only" })} />} />
      <Route path="*" element={<CabinetLayout family={family}><NotFound /></CabinetLayout>} />
    </Routes>
  );
}

function ChildRoutes({ family, refetch, balanceStamp }: {
  family: CabinetContext["family"]; refetch: () => void; balanceStamp: string | null;
}) {
  const { studentId } = useParams();
  const child = childFromUrl(family.students, studentId);
  const value = useMemo<CabinetContext | null>(() => child && {
    family, child,
    timeZone: child.branch?.timeZone ?? "Europe/Moscow",
    currency: family.account?.balance.currency ?? "RUB",
    refetchFamily: refetch,
    balanceStamp,
  }, [family, child, refetch, balanceStamp]);
  // A child who is not this family's (another family's id typed in): "not found", and no query is made.
  if (!child || !value) return <CabinetLayout family={family}><NotFound /></CabinetLayout>;
  return (
    <CabinetCtx.Provider value={value}>
      <CabinetLayout family={family} child={child}>
        <Routes>
          <Route index element={<HomePage />} />
          <Route path="lessons" element={<LessonsPage />} />
          <Route path="lessons/:lessonId" element={<LessonPage />} />
          <Route path="money" element={<MoneyPage />} />
          <Route path="book" element={<BookingPage />} />
          <Route path="progress" element={<ProgressPage />} />
          <Route path="questions" element={<QuestionsPage />} />
          <Route path="privacy" element={<PrivacyPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </CabinetLayout>
    </CabinetCtx.Provider>
  );
}
