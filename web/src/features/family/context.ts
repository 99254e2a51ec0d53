import { createContext, useContext } from "react";
import type { ChildHomeFieldsFragment, FamilyFrameFragment } from "../../gql/graphql";

export type Family = FamilyFrameFragment;
export type Child = Family["students"][number];

export interface CabinetContext {
  family: Family;
  child: Child;
  timeZone: string;
  currency: string;
  refetchFamily: () => void;
  /** Changes when a balance event arrives: screens showing money refetch. */
  balanceStamp: string | null;
  /** The child's home data, loaded with the frame on the home route (null elsewhere or while loading). */
  home: ChildHomeFieldsFragment | null;
}

/** Reload the family's frame (after adding or linking a child), resolved once it is back. */
export const FrameReloadCtx = createContext<() => Promise<void>>(() => Promise.resolve());

export function useReloadFrame(): () => Promise<void> {
  return useContext(FrameReloadCtx);
}

/** The cabinet's live stamp: changes on every event the family's subscription brings (the bell and the
 * notifications list look again on it). */
export const ActivityCtx = createContext<string | null>(null);

export function useActivityStamp(): string | null {
  return useContext(ActivityCtx);
}

export const CabinetCtx = createContext<CabinetContext | null>(null);

export function useCabinet(): CabinetContext {
  const value = useContext(CabinetCtx);
  if (!value) throw new Error("useCabinet outside the cabinet");
  return value;
}

export function childName(child: { firstName: string; lastName: string }): string {
  return child.firstName;
}
