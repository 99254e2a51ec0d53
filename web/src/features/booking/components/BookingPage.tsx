import { useMemo, useState } from "react";
import { useMutation, useQuery } from "urql";
import { Card, Empty, ErrorNote, InfoNote, Money, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { formatDateTime, formatTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { newKey } from "../../../lib/ids";
import { addDays, canStillCancel, thisHour } from "../../../lib/time";
import { useCabinet } from "../../family/context";
import { BookingOptions, BookPlace, BookSlot, CancelBooking } from "../api/operations";

export default function BookingPage() {
  const { t, locale } = useI18n();
  const { child, family, timeZone, refetchFamily } = useCabinet();
  const variables = useMemo(() => {
    const from = thisHour();
    return { studentId: child.id, branchId: child.branch?.id ?? "", from: from.toISOString(), to: addDays(from, 21).toISOString() };
  }, [child.id, child.branch?.id]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: BookingOptions, variables, pause: !child.branch });
  const [, bookPlace] = useMutation(BookPlace);
  const [, bookSlot] = useMutation(BookSlot);
  const [, cancel] = useMutation(CancelBooking);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const trialUsed = family.trial;
  const trialChild = trialUsed ? family.students.find((s) => s.id === trialUsed.studentId)?.firstName : undefined;

  const act = async (id: string, run: () => Promise<{ errors?: readonly { code: string; message: string }[]; ok: boolean; error?: Parameters<typeof describeCombined>[1] }>, okKey: MessageKey) => {
    setBusy(id);
    setMessage(null);
    const result = await run();
    setBusy(null);
    const first = result.errors?.[0];
    if (result.ok && !first) {
      setMessage({ ok: true, text: t(okKey) });
      refetch({ requestPolicy: "network-only" });
      refetchFamily();
    } else {
      setMessage({ ok: false, text: first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic") });
    }
  };

  const lessons = (data?.bookableLessons ?? []).filter((l) => !l.participants.some((p) => p.studentId === child.id));
  const slots = (data?.openSlots ?? []).filter((s) => !s.booked);
  const bookings = (data?.student?.bookings ?? []).filter((b) => b.status !== "cancelled");

  return (
    <div>
      <PageTitle>{t("book.title", { name: child.firstName })}</PageTitle>
      <div className={`note ${trialUsed ? "note--warn" : "note--info"}`} data-testid="trial-rule">
        {trialUsed
          ? t("book.trialUsed", { name: trialChild ?? "—", date: formatDateTime(trialUsed.usedAt, locale, timeZone) })
          : t("book.trialAvailable")}
      </div>
      <p className="muted">{t("book.cancelRule")}</p>
      {message && (message.ok ? <InfoNote>{message.text}</InfoNote> : <ErrorNote>{message.text}</ErrorNote>)}
      {error && <ErrorNote>{describeCombined(t, error)}</ErrorNote>}
      {!data && fetching ? <Spinner /> : (
        <>
          <Card title={t("book.mine")}>
            {bookings.length === 0 ? <Empty>{t("book.noBookings")}</Empty> : (
              <ul className="list" data-testid="bookings">
                {bookings.map((b) => (
                  <li key={b.id} className="bookable">
                    <span>{b.lesson ? `${formatDateTime(b.lesson.startsAt, locale, timeZone)} · ${t(`lesson.kind.${b.lesson.kind}` as MessageKey)}` : b.lessonId}</span>
                    {canStillCancel(b.lesson?.cancellableUntil) ? (
                      <>
                        <span className="muted" data-testid="cancel-until">
                          {t("book.cancelUntil", { time: formatDateTime(b.lesson?.cancellableUntil ?? "", locale, timeZone) })}
                        </span>
                        <button type="button" className="button" disabled={busy === b.id}
                          onClick={() => void act(b.id, async () => {
                            const r = await cancel({ bookingId: b.id });
                            return { ok: !!r.data?.cancelBooking.booking, errors: r.data?.cancelBooking.errors, error: r.error };
                          }, "book.cancelled")}>
                          {t("book.cancel")}
                        </button>
                      </>
                    ) : <span className="muted" data-testid="cancel-too-late">{t("book.tooLateToCancel")}</span>}
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <Card title={t("book.lessons")}>
            {lessons.length === 0 ? <Empty>{t("book.noLessons")}</Empty> : (
              <ul className="list" data-testid="bookable-lessons">
                {lessons.map((l) => {
                  const trial = l.kind === "TRIAL";
                  return (
                    <li key={l.id} className="bookable">
                      <span>
                        <strong>{l.group?.name ?? t(`lesson.kind.${l.kind}` as MessageKey)}</strong>{" "}
                        {formatDateTime(l.startsAt, locale, timeZone)}–{formatTime(l.endsAt, locale, timeZone)}
                        <span className="muted"> · <Money value={l.price} />{l.placesLeft !== null && l.placesLeft !== undefined ? ` · ${t("book.places", { count: l.placesLeft })}` : ""}</span>
                      </span>
                      <button type="button" className="button button--primary"
                        disabled={busy === l.id || (trial && !!trialUsed) || l.placesLeft === 0}
                        onClick={() => void act(l.id, async () => {
                          const r = await bookPlace({ lessonId: l.id, studentId: child.id, key: newKey() });
                          return { ok: !!r.data?.bookPlace.booking, errors: r.data?.bookPlace.errors, error: r.error };
                        }, "book.booked")}>
                        {trial ? t("book.bookTrial") : t("book.book")}
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </Card>
          <Card title={t("book.slots")}>
            {slots.length === 0 ? <Empty>{t("book.noSlots")}</Empty> : (
              <ul className="list" data-testid="open-slots">
                {slots.map((s) => (
                  <li key={s.id} className="bookable">
                    <span>
                      <strong>{t(`lessonType.${s.lessonType}` as MessageKey)}</strong>{" "}
                      {formatDateTime(s.startsAt, locale, timeZone)}–{formatTime(s.endsAt, locale, timeZone)}
                      <span className="muted"> · <Money value={s.price} /></span>
                    </span>
                    <button type="button" className="button button--primary" disabled={busy === s.id || (s.lessonType === "trial" && !!trialUsed)}
                      onClick={() => void act(s.id, async () => {
                        const r = await bookSlot({ slotId: s.id, studentId: child.id, key: newKey() });
                        return { ok: !!r.data?.bookSlot.booking, errors: r.data?.bookSlot.errors, error: r.error };
                      }, "book.booked")}>
                      {t("book.book")}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
