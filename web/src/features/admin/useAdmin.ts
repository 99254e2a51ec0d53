import { createContext, useContext } from "react";
import type { AdminFrameQuery } from "../../gql/graphql";

export type AdminBranch = AdminFrameQuery["branches"][number];

export interface AdminState {
  frame: AdminFrameQuery;
  /** The branches this admin manages (the owner: every branch), and the one being worked on. */
  branches: AdminBranch[];
  branch: AdminBranch;
  setBranchId: (id: string) => void;
}

export const AdminCtx = createContext<AdminState | null>(null);

export function useAdmin(): AdminState {
  const state = useContext(AdminCtx);
  if (!state) throw new Error("useAdmin outside the admin's cabinet");
  return state;
}

/** An admin works on their own branches; the owner (no branch of their own) on every one. */
export function managedBranches(frame: AdminFrameQuery): AdminBranch[] {
  if (frame.me.role === "owner") return frame.branches;
  const own = new Set(frame.me.branchIds);
  return frame.branches.filter((b) => own.has(b.id));
}
