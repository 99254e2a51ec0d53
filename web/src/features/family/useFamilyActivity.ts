import { useSubscription } from "urql";
import { FamilyActivity } from "./api/operations";

export interface FamilyActivityStamps {
  /** Changes on every event the cabinet follows (a balance change, a child's grade or homework). */
  activity: string | null;
  /** Changes on the family's balance changes only (screens that show money refetch on it). */
  balance: string | null;
}

/**
 * The family's cabinet, live, on one subscription: a payment made elsewhere, a grade or homework for one of
 * the children arrives as an event, and the cabinet refetches what it shows.
 */
export function useFamilyActivity(familyId: string | undefined): FamilyActivityStamps {
  const [{ data }] = useSubscription(
    { query: FamilyActivity, variables: { familyId: familyId ?? "" }, pause: !familyId },
    (previous: FamilyActivityStamps | undefined, event): FamilyActivityStamps => {
      const { balance, grade, homework } = event.familyActivity;
      const balanceStamp = balance ? `${balance.occurredAt}|${balance.balance.amount}` : previous?.balance ?? null;
      const stamp = balance
        ? `b|${balanceStamp}`
        : grade ? `g|${grade.studentId}|${grade.lessonId}|${grade.occurredAt}`
        : homework ? `h|${homework.studentId}|${homework.lessonId}|${homework.occurredAt}` : previous?.activity ?? null;
      return { activity: stamp, balance: balanceStamp };
    },
  );
  return data ?? { activity: null, balance: null };
}
