import type { CombinedError } from "urql";
import { describeCombined, describeError, type ApiError } from "../../../lib/errors";
import type { Translate } from "../../../lib/i18n";

/** Words chosen at render: a refusal on screen follows a change of language. */
export type Say = (t: Translate) => string;

/** A lead mutation's refusal: STALE_LEAD_REVISION (someone else changed the lead first) is told apart, since the
 * screen then offers to reload the lead; anything else is a payload's typed error or the request's. */
export function refusalOf(first: ApiError | undefined, error: CombinedError | undefined): { stale: boolean; say: Say } {
  if (first?.code === "STALE_LEAD_REVISION") return { stale: true, say: (t) => t("admin.lead.stale") };
  return { stale: false, say: (t) => (first ? describeError(t, first) : describeCombined(t, error) ?? t("error.generic")) };
}
