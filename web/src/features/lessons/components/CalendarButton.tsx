import { useState } from "react";
import { useMutation } from "urql";
import { ErrorNote } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { IssueCalendarFeed } from "../api/operations";

/** "Add to the phone's calendar": a private iCal feed of the child's lessons (webcal:// opens the calendar app). */
export function CalendarButton() {
  const { t } = useI18n();
  const { child } = useCabinet();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [state, issue] = useMutation(IssueCalendarFeed);
  const onClick = async () => {
    setError(null);
    const result = await issue({ studentId: child.id });
    const payload = result.data?.issueCalendarFeed;
    const feedUrl = payload?.feed?.url;
    if (feedUrl) {
      const absolute = new URL(feedUrl, location.origin).toString();
      setUrl(absolute);
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  if (url) {
    const webcal = url.replace(/^https?:/, "webcal:");
    return (
      <div className="calendar-feed" data-testid="calendar-feed">
        <a className="button" href={webcal}>{t("lessons.openCalendar")}</a>
        <label className="field field--inline">
          <span className="field__label">{t("lessons.feedLink")}</span>
          <input readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
        </label>
      </div>
    );
  }
  return (
    <div>
      <button type="button" className="button" onClick={() => void onClick()} disabled={state.fetching}>
        {t("lessons.addToCalendar")}
      </button>
      {error && <ErrorNote>{error}</ErrorNote>}
    </div>
  );
}
