/** The child switch: one tap on a name opens the same section for that child (the URL names the child). */

export interface ChildRef {
  id: string;
}

const SECTIONS = new Set(["lessons", "money", "progress", "questions", "privacy", "book", "notifications"]);

/**
 * Where a tap on another child's name leads from `pathname`: the same section of the cabinet, but never a
 * page of one particular record of the previous child (a lesson of child A is not a lesson of child B).
 */
export function switchTarget(pathname: string, toId: string): string {
  const parts = pathname.split("/").filter(Boolean); // ["c", id, section?, record?]
  const section = parts[0] === "c" ? parts[2] : undefined;
  const base = `/c/${encodeURIComponent(toId)}`;
  return section && SECTIONS.has(section) ? `${base}/${section}` : base;
}

/** The child the URL names, if that child is one of this family's; otherwise null (shown as "not found"). */
export function childFromUrl<T extends ChildRef>(children: readonly T[], id: string | undefined): T | null {
  if (!id) return null;
  return children.find((child) => child.id === id) ?? null;
}
