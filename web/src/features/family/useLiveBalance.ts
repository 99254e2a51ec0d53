import { useSubscription } from "urql";
import { BalanceChanged } from "./api/operations";

/**
 * The family's balance, live: a payment made elsewhere arrives as an event. urql's document cache then
 * refetches what shows money (queries holding BillingAccount), so every screen shows the new balance.
 */
export function useLiveBalance(familyId: string | undefined): string | null {
  const [{ data }] = useSubscription({ query: BalanceChanged, variables: { familyId: familyId ?? "" }, pause: !familyId });
  return data ? `${data.balanceChanged.occurredAt}|${data.balanceChanged.balance.amount}` : null;
}
