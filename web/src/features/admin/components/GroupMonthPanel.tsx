import { useMemo, useRef, useState } from "react";
import { useMutation, useQuery, type CombinedError } from "urql";
import { Card, Empty, ErrorNote, Money, Spinner } from "../../../components/ui";
import type { BranchGroupsQuery, GenerateMonthMutation } from "../../../gql/graphql";
import { describeCombined, describeError, type ApiError } from "../../../lib/errors";
import { capitalise, formatLocalDate, formatMonth, formatTime } from "../../../lib/format";
import { useI18n, type Translate } from "../../../lib/i18n";
import { monthQueryRange } from "../../../lib/month";
import { GenerateMonth, GroupMonth, PublishMonth } from "../api/operations";
import { addAmounts, monthPlan } from "../monthPlan";
import { useAdmin } from "../useAdmin";
import { PriceCell } from "./PriceCell";

type Group = BranchGroupsQuery["groups"][number];
type Outcome =
  | { kind: "generated"; created: number; existing: number; conflicts: GenerateMonthMutation["generateMonth"]["conflicts"] }
  | { kind: "published"; count: number; participants: number }
  | { kind: "price"; localDate: string }
  // Words chosen at render: a refusal on screen follows a change of language.
  | { kind: "error"; say: (t: Translate) => string };

/** One group's month: its lessons (drafts and published) with their prices, generating and publishing. */
export function GroupMonthPanel({ branchId, month, group }: { branchId: string; month: string; group: Group }) {
  const { t, locale } = useI18n();
  const { branch } = useAdmin();
  const zone = branch.timeZone;
  const variables = useMemo(() => ({ filter: { ...monthQueryRange(month), branchId, groupId: group.id } }),
    [branchId, group.id, month]);
  const [{ data, error, fetching }, refetch] = useQuery({ query: GroupMonth, variables });
  const [generating, generate] = useMutation(GenerateMonth);
  const [publishing, publish] = useMutation(PublishMonth);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // A second click while the first is on its way sends nothing (the button is disabled only after a render).
  const busy = useRef(false);
  const plan = useMemo(() => monthPlan((data?.lessons.edges ?? []).map((e) => e.node), month, group.price.currency),
    [data, month, group.price.currency]);
  const [year, monthNo] = month.split("-").map(Number) as [number, number];

  const act = async (run: () => Promise<Outcome>) => {
    if (busy.current) return;
    busy.current = true;
    try {
      setOutcome(await run());
      refetch({ requestPolicy: "network-only" });
    } finally {
      busy.current = false;
    }
  };
  // A payload's typed error, else the request's (extensions.code, or the network), in the chosen language.
  const refusal = (first: ApiError | undefined, error: CombinedError | undefined): Outcome => ({
    kind: "error", say: (tr) => (first ? describeError(tr, first) : describeCombined(tr, error) ?? tr("error.generic")),
  });
  const onGenerate = () => act(async () => {
    const r = await generate({ branchId, month, groupId: group.id });
    const p = r.data?.generateMonth;
    if (!p || p.errors[0]) return refusal(p?.errors[0], r.error);
    return { kind: "generated", created: p.created, existing: p.existing, conflicts: p.conflicts };
  });
  const onPublish = () => act(async () => {
    const r = await publish({ branchId, month, groupId: group.id });
    const p = r.data?.publishMonth;
    if (!p || p.errors[0]) return refusal(p?.errors[0], r.error);
    return { kind: "published", count: p.published, participants: p.participants };
  });

  const working = generating.fetching || publishing.fetching;
  const title = `${group.name} · ${formatMonth(year, monthNo, locale)}`;
  return (
    <Card title={title} className="group-month">
      <div data-testid="group-month" data-group-id={group.id} data-loaded={data ? "true" : "false"}
        data-drafts={plan.drafts.length} data-published={plan.published.length}>
        <p className="muted">{t("admin.month.groupPrice")} <Money value={group.price} /></p>
        <p className="muted">{t("admin.month.priceNote")}</p>
        {!data && fetching && <Spinner />}
        {!data && !fetching && <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>}
        {data && (
          <>
            <p data-testid="month-summary">
              {t("admin.month.summary", { drafts: plan.drafts.length, published: plan.published.length })}
              {plan.drafts.length > 0 && (
                <> · {t("admin.month.draftTotal")}{" "}
                  <Money value={{ amount: plan.draftTotal, currency: plan.currency }} /></>
              )}
            </p>
            {/* aria-disabled, not disabled: a disabled button drops the keyboard's focus mid-page. A click while
                busy or with nothing to publish does nothing (busy is a ref: a double click sends one request). */}
            <div className="row">
              <button type="button" className="button" aria-disabled={working} onClick={() => void onGenerate()}>
                {generating.fetching ? t("admin.month.generating") : t("admin.month.generate")}
              </button>
              <button type="button" className="button button--primary" aria-disabled={working || plan.drafts.length === 0}
                onClick={() => { if (plan.drafts.length > 0) void onPublish(); }}>
                {publishing.fetching ? t("admin.month.publishing") : t("admin.month.publish", { count: plan.drafts.length })}
              </button>
            </div>
          </>
        )}
        {outcome && <OutcomeNote outcome={outcome} />}
        {data && (plan.lessons.length === 0 ? <Empty>{t("admin.month.nothing")}</Empty> : (
          // On a phone each lesson is a card (styles.css, .table--cards): the price button is never off-screen.
          <div className="table-scroll table-scroll--cards" role="region" aria-label={t("admin.month.lessons")} tabIndex={0}>
            <table className="table table--cards" data-testid="month-lessons">
              <caption className="visually-hidden">{t("admin.month.lessons")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.month.col.date")}</th>
                  <th scope="col">{t("admin.month.col.time")}</th>
                  <th scope="col" className="num">{t("admin.month.col.price")}</th>
                  <th scope="col" className="num">{t("admin.month.col.students")}</th>
                  <th scope="col" className="num">{t("admin.month.col.sum")}</th>
                  <th scope="col">{t("admin.month.col.state")}</th>
                </tr>
              </thead>
              <tbody>
                {plan.lessons.map((l) => {
                  const state = l.status === "cancelled" ? "cancelled" : l.published ? "published" : "draft";
                  return (
                    <tr key={l.id} data-testid="month-lesson" data-lesson-id={l.id} data-state={state}>
                      <td className="month-lesson__date">{capitalise(formatLocalDate(l.localDate, locale, { weekday: "short" }))}</td>
                      <td className="month-lesson__time">{formatTime(l.startsAt, locale, zone)}–{formatTime(l.endsAt, locale, zone)}</td>
                      <td className="num month-lesson__price" data-label={t("admin.month.col.price")}>
                        <PriceCell lesson={l} date={formatLocalDate(l.localDate, locale)}
                          onSaved={() => { setOutcome({ kind: "price", localDate: l.localDate }); refetch({ requestPolicy: "network-only" }); }} />
                      </td>
                      <td className="num" data-label={t("admin.month.col.students")}>{l.participants.length}</td>
                      <td className="num" data-label={t("admin.month.col.sum")}>
                        <Money value={{ amount: addAmounts(l.participants.map((p) => p.price.amount)), currency: l.price.currency }} />
                      </td>
                      <td data-label={t("admin.month.col.state")}>
                        <span className={`badge ${state === "published" ? "badge--good" : state === "draft" ? "badge--warn" : ""}`}>
                          {t(state === "cancelled" ? "admin.month.cancelled" : state === "published" ? "admin.month.isPublished" : "admin.month.draft")}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ))}
      </div>
    </Card>
  );
}

function OutcomeNote({ outcome }: { outcome: Outcome }) {
  const { t, locale } = useI18n();
  if (outcome.kind === "error") return <p className="note note--error" role="alert" data-testid="month-outcome">{outcome.say(t)}</p>;
  if (outcome.kind === "price") {
    return (
      <p className="note note--info" role="status" data-testid="month-outcome">
        {t("admin.month.priceSaved", { date: formatLocalDate(outcome.localDate, locale) })}
      </p>
    );
  }
  if (outcome.kind === "published") {
    return (
      <p className="note note--info" role="status" data-testid="month-outcome">
        {outcome.count === 0 ? t("admin.month.nothingToPublish")
          : t("admin.month.published", { count: outcome.count, participants: outcome.participants })}
      </p>
    );
  }
  return (
    <div className={`note ${outcome.conflicts.length ? "note--warn" : "note--info"}`} role="status" data-testid="month-outcome">
      <p>{t("admin.month.created", { created: outcome.created, existing: outcome.existing })}</p>
      {outcome.conflicts.length > 0 && (
        <>
          <p>{t("admin.month.conflicts")}</p>
          <ul data-testid="month-conflicts">
            {outcome.conflicts.map((c) => (
              <li key={`${c.localDate}-${c.code}`} data-code={c.code}>
                {formatLocalDate(c.localDate, locale)}: {describeError(t, c)} <span className="muted">({c.message})</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
