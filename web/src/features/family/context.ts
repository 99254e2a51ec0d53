import { createContext, useContext } from "react";
import type { MyFamilyQuery } from "../../gql/graphql";

export type Family = NonNullable<MyFamilyQuery["myFamily"]>;
export type Child = Family["students"][number];

export interface CabinetContext {
  family: Family;
  child: Child;
  timeZone: string;
  currency: string;
  refetchFamily: () => void;
  /** Changes when a balance event arrives: screens showing money refetch. */
  balanceStamp: string | null;
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
