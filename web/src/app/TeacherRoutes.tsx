import { useMemo } from "react";
import { Route, Routes } from "react-router-dom";
import { NotFound } from "../components/NotFound";
import { useSession } from "../lib/useSession";
import { TeacherLayout } from "../features/teacher/components/TeacherLayout";
import TeacherHomePage from "../features/teacher/components/TeacherHomePage";
import SheetPage from "../features/teacher/components/SheetPage";
import { OutboxCtx, outboxFor } from "../features/teacher/useOutbox";

/** The teacher's cabinet (`/t`): the week's lessons and the sheets to fill, and a lesson's sheet. */
export default function TeacherRoutes() {
  const session = useSession();
  // Sheets kept offline belong to the staff member who made them (a shared phone never mixes two teachers').
  const owner = session?.staffId ?? "staff";
  const outbox = useMemo(() => outboxFor(owner), [owner]);
  return (
    <OutboxCtx.Provider value={outbox}>
      <TeacherLayout>
        <Routes>
          <Route index element={<TeacherHomePage />} />
          <Route path="lessons/:lessonId" element={<SheetPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </TeacherLayout>
    </OutboxCtx.Provider>
  );
}
