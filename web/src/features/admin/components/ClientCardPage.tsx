import { useMemo, type ReactNode } from "react";
import { Link, useParams } from "react-router-dom";
import { useQuery } from "urql";
import { NotFound } from "../../../components/NotFound";
import { Card, Empty, ErrorNote, Money, PageTitle, Spinner } from "../../../components/ui";
import type { ClientCardQuery } from "../../../gql/graphql";
import { describeCombined, fromCombined } from "../../../lib/errors";
import { formatDate, formatDateTime, formatLocalDate } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { addDays, thisHour } from "../../../lib/time";
import { ClientCard } from "../api/operations";
import { makeups, programmes, transfers } from "../clientCard";
import { useAdmin } from "../useAdmin";

type Family = NonNullable<ClientCardQuery["family"]>;

/** The client card (R-CAB-3, R-WEB-5): the family, its children, packages, programmes (groups), invoices, payments,
 * make-ups and transfers, as the services keep them. A family outside the admin's branches is "not found". */
export default function ClientCardPage() {
  const { t } = useI18n();
  const { familyId = "" } = useParams();
  // Make-ups are read from the family's lessons in a window: the last six months and the next two.
  const variables = useMemo(() => {
    const now = thisHour();
    return { familyId, from: addDays(now, -183).toISOString(), to: addDays(now, 62).toISOString() };
  }, [familyId]);
  const [{ data, error, fetching }] = useQuery({ query: ClientCard, variables });
  if (!data && fetching) return <Spinner />;
  const code = fromCombined(error)?.code;
  if ((data && !data.family) || code === "FORBIDDEN" || code === "NOT_FOUND") return <NotFound />;
  if (!data?.family) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  return <Card_ family={data.family} data={data} />;
}

function Card_({ family, data }: { family: Family; data: ClientCardQuery }) {
  const { t, locale } = useI18n();
  const { branch } = useAdmin();
  const zones = new Map(data.branches.map((b) => [b.id, b.timeZone]));
  const zone = zones.get(family.students.find((s) => s.branchId)?.branchId ?? "") ?? branch.timeZone;
  const child = new Map(family.students.map((s) => [s.id, `${s.firstName} ${s.lastName}`]));
  const rows = programmes(family, data.groups);
  const moves = transfers(rows);
  const made = makeups(family, data.groups);
  const payer = family.guardians.find((g) => g.isPayer) ?? family.guardians[0];
  const day = (date: string) => formatLocalDate(date, locale, { year: "numeric" });
  const status = (s: string) => t(`admin.status.${s}` as MessageKey);

  return (
    <div data-testid="client-card" data-family-id={family.id} data-loaded="true">
      <p><Link to="/a/clients">← {t("admin.card.back")}</Link></p>
      <PageTitle>{payer ? `${payer.lastName} ${payer.firstName}` : family.guardianPhone}</PageTitle>
      <div className="admin-card-grid">
        <Card title={t("admin.card.title")}>
          <ul className="list list--spaced">
            {family.guardians.map((g) => (
              <li key={g.id}>
                {g.lastName} {g.firstName}{g.isPayer && <> · <span className="badge">{t("admin.card.payer")}</span></>}
                <div className="muted">{g.phone}{g.email ? ` · ${g.email}` : ""}</div>
              </li>
            ))}
          </ul>
          {!family.accessOpen && <p className="note note--warn">{t("admin.card.cabinetClosed")}</p>}
          {family.account && (
            <p data-testid="client-balance">
              {t("admin.card.balance")}: <strong><Money value={family.account.balance} /></strong>
              {family.account.inDebt && <> <span className="badge badge--warn">{t("admin.card.inDebt")}</span></>}
              {Number(family.account.creditLimit.amount) > 0 && (
                <span className="muted"> · {t("admin.card.creditLimit")} <Money value={family.account.creditLimit} /></span>
              )}
            </p>
          )}
        </Card>
        <Card title={t("admin.card.children")}>
          <ul className="list list--spaced" data-testid="client-children">
            {family.students.map((s) => (
              <li key={s.id}>
                <strong>{s.firstName} {s.lastName}</strong>
                <span className="muted"> · {s.erased ? t("admin.card.erased")
                  : s.birthDate ? t("admin.card.born", { date: day(s.birthDate) }) : ""}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>

      <Section title={t("admin.card.programmes")} testId="client-programmes" empty={t("admin.card.noProgrammes")}
        items={rows.map((r) => (
          <li key={r.membership.id} data-membership-id={r.membership.id}>
            <strong>{r.group}</strong> · {child.get(r.studentId) ?? ""}
            <div className="muted">
              {r.membership.endsOn ? t("admin.card.period", { from: day(r.membership.startsOn), to: day(r.membership.endsOn) })
                : t("admin.card.since", { date: day(r.membership.startsOn) })}
              {" · "}{t(`admin.card.reason.${r.membership.reason}` as MessageKey)}
            </div>
          </li>
        ))} />

      <Section title={t("admin.card.subscriptions")} testId="client-subscriptions" empty={t("admin.card.noSubscriptions")}
        items={family.subscriptions.map((s) => (
          <li key={s.id}>
            <strong>{s.name}</strong> · {child.get(s.studentId) ?? ""} · <Money value={s.price} />
            <div className="muted">
              {s.lessonsTotal == null ? t("admin.card.unlimited")
                : t("money.left", { left: s.lessonsLeft ?? 0, total: s.lessonsTotal })}
              {" · "}{t("admin.card.period", { from: day(s.validFrom), to: day(s.validUntil) })}
              {" · "}{status(s.status)}{s.trial ? ` · ${t("admin.card.trial")}` : ""}{s.onCredit ? ` · ${t("admin.card.onCredit")}` : ""}
            </div>
          </li>
        ))} />

      <Section title={t("admin.card.invoices")} testId="client-invoices" empty={t("admin.card.noInvoices")}
        items={family.invoices.map((i) => (
          <li key={i.id}>
            <strong>{i.description}</strong> · <Money value={i.amount} /> · {status(i.status)}
            <div className="muted">
              {formatDate(i.issuedAt, locale, zone)}
              {Number(i.paid.amount) > 0 && Number(i.paid.amount) < Number(i.amount.amount) && (
                <> · {t("admin.card.paidOf")} <Money value={i.paid} /> / <Money value={i.amount} /></>
              )}
            </div>
          </li>
        ))} />

      <Section title={t("admin.card.payments")} testId="client-payments" empty={t("admin.card.noPayments")}
        items={family.payments.map((p) => (
          <li key={p.id}>
            <strong><Money value={p.amount} /></strong> · {t(`money.method.${p.method}` as MessageKey)}
            <div className="muted">
              {formatDateTime(p.receivedAt, locale, zone)}
              {Number(p.refunded.amount) > 0 && <> · {t("admin.card.refunded")} <Money value={p.refunded} /></>}
            </div>
          </li>
        ))} />

      <Section title={t("admin.card.makeups")} testId="client-makeups" empty={t("admin.card.noMakeups")}
        note={t("admin.card.makeupsWindow")}
        items={made.map((m) => (
          <li key={`${m.lessonId}-${m.studentId}`}>
            <strong>{child.get(m.studentId) ?? ""}</strong> · {formatDateTime(m.startsAt, locale, zones.get(m.branchId) ?? zone)}
            {m.group && <> · {m.group}</>}
          </li>
        ))} />

      <Section title={t("admin.card.transfers")} testId="client-transfers" empty={t("admin.card.noTransfers")}
        items={moves.map((r) => (
          <li key={r.membership.id}>
            <strong>{child.get(r.studentId) ?? ""}</strong>
            {" · "}{t("admin.card.transfer", { group: r.group, to: r.transferredTo ?? "?", date: r.membership.endsOn ? day(r.membership.endsOn) : "" })}
          </li>
        ))} />

      <Card title={t("admin.card.certificates")}>
        <p className="muted" data-testid="client-certificates">{t("admin.card.noCertificates")}</p>
      </Card>
    </div>
  );
}

function Section({ title, testId, empty, items, note }: {
  title: string; testId: string; empty: string; items: ReactNode[]; note?: string;
}) {
  return (
    <Card title={title}>
      <div data-testid={testId} data-count={items.length}>
        {note && <p className="muted">{note}</p>}
        {items.length === 0 ? <Empty>{empty}</Empty> : <ul className="list list--spaced">{items}</ul>}
      </div>
    </Card>
  );
}
