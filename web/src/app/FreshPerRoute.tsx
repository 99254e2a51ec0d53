import { Fragment, type ReactNode } from "react";
import { useParams } from "react-router-dom";

/**
 * A page opened for another id (lead, client, lesson) starts afresh. urql keeps the last answer while the next one
 * loads, so without this the previous lead's card stayed on screen, taking clicks meant for the next one, until
 * the new answer came; its open forms and outcomes were carried over too.
 */
export function FreshPerRoute({ children }: { children: ReactNode }) {
  const params = useParams();
  return <Fragment key={JSON.stringify(params)}>{children}</Fragment>;
}
