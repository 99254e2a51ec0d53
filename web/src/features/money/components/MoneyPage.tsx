import { useEffect, useState } from "react";
import type { StatementLineFieldsFragment } from "../../../gql/graphql";
import { Link } from "react-router-dom";
import { useClient, useMutation, useQuery } from "urql";
import { Card, Empty, ErrorNote, InfoNote, Money, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { capitalise, formatDateTime, formatLocalDate } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { FamilyMoney, StartOnlinePayment, StatementPage } from "../api/operations";
import { groupStatement, olderCursor, reasonKey, withOlder } from "../statement";

export default function MoneyPage() {
  const { t, locale } = useI18n();
  const { child, family, timeZone, balanceStamp } = useCabinet();
  const [{ data, error, fetching }, refetch] = useQuery({ query: FamilyMoney });
  const [onlyChild, setOnlyChild] = useState(false);
  useEffect(() => {
    if (balanceStamp) refetch({ requestPolicy: "network-only" });
  }, [balanceStamp, refetch]);
  const money = data?.myFamily;
  const older = useOlderLines(money?.statement.pageInfo);
  if (!money) return fetching ? <Spinner /> : <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const names = new Map(family.students.map((s) => [s.id, s.firstName]));
  const packages = new Map(money.subscriptions.map((s) => [s.id, s.name]));
  const lines = withOlder(money.statement.edges.map((e) => e.node), older.pages);
  const days = groupStatement(lines, timeZone, onlyChild ? child.id : undefined);
  const open = money.invoices.filter((i) => i.status === "issued" || i.status === "partly_paid");
  const live = money.subscriptions.filter((s) => s.status === "active" || s.status === "frozen");

  return (
    <div>
      <PageTitle>{t("money.title")}</PageTitle>
      <div className="tiles">
        <div className="tile" data-testid="money-balance">
          <span className="tile__label">{t("home.balance")}</span>
          <span className="tile__value">{money.account ? <Money value={money.account.balance} /> : "—"}</span>
          {money.account?.inDebt && <span className="badge badge--warn">{t("home.debt")}</span>}
        </div>
        <div className="tile">
          <span className="tile__label">{t("home.lessonsLeft")}</span>
          <span className="tile__value">{money.remainingLessons ?? t("home.unlimited")}</span>
        </div>
      </div>

      <Card title={t("money.invoices")}>
        {open.length === 0 ? <Empty>{t("money.noOpenInvoices")}</Empty> : (
          <ul className="list">
            {open.map((invoice) => (
              <li key={invoice.id} className="invoice" data-testid="invoice">
                <div className="invoice__text">
                  <strong>{invoice.description}</strong>
                  <span className="muted">{formatDateTime(invoice.issuedAt, locale, timeZone)}</span>
                  <span>{t("money.toPay")}: <Money value={{
                    amount: String(Number(invoice.amount.amount) - Number(invoice.paid.amount)),
                    currency: invoice.amount.currency,
                  }} /></span>
                </div>
                <PayOnline familyId={money.id} invoiceId={invoice.id}
                  amount={(Number(invoice.amount.amount) - Number(invoice.paid.amount)).toFixed(2)} />
              </li>
            ))}
          </ul>
        )}
        {money.account?.inDebt && open.length === 0 && (
          <PayOnline familyId={money.id} amount={Math.abs(Number(money.account.balance.amount)).toFixed(2)}
            label={t("money.payDebt")} />
        )}
      </Card>

      <Card title={t("money.packages")}>
        {live.length === 0 ? <Empty>{t("money.noPackages")}</Empty> : (
          <ul className="list">
            {live.map((s) => (
              <li key={s.id} className="package">
                <span><strong>{s.name}</strong> <span className="chip">{names.get(s.studentId) ?? ""}</span></span>
                <span className="muted">
                  {s.lessonsLeft === null ? t("home.unlimited") : t("money.left", { left: s.lessonsLeft, total: s.lessonsTotal ?? "∞" })}
                  {" · "}{t("money.until", { date: formatLocalDate(s.validUntil, locale, { year: "numeric" }) })}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card title={t("money.statement")} action={
        <label className="check">
          <input type="checkbox" checked={onlyChild} onChange={(e) => setOnlyChild(e.target.checked)} />
          {t("money.onlyChild", { name: child.firstName })}
        </label>
      }>
        {days.length === 0 ? <Empty>{t("money.noLines")}</Empty> : (
          <div data-testid="statement">
            {days.map((day) => (
              <section key={day.date} className="statement-day">
                <h3 className="statement-day__title">{capitalise(formatLocalDate(day.date, locale, { weekday: "short", year: "numeric" }))}</h3>
                <ul className="list">
                  {day.lines.map((line) => (
                    <li key={line.id} className="statement-line" data-testid="statement-line">
                      <div className="statement-line__why">
                        <strong>{t(reasonKey(line.kind) as MessageKey)}</strong>
                        {line.studentId && names.get(line.studentId) && <span className="chip">{names.get(line.studentId)}</span>}
                        <span className="muted">{line.description}</span>
                        {line.lessonId && line.studentId && names.has(line.studentId) && (
                          <Link to={`/c/${line.studentId}/lessons/${line.lessonId}`}>{t("money.lesson")}</Link>
                        )}
                        {line.subscriptionId && packages.get(line.subscriptionId) && (
                          <span className="muted">{t("money.fromPackage", { name: packages.get(line.subscriptionId) ?? "" })}</span>
                        )}
                        {line.lessonsDelta !== 0 && (
                          <span className="muted">{t("money.lessonsDelta", { count: line.lessonsDelta })}</span>
                        )}
                        {line.discount && (
                          <span className="chip chip--good">
                            {t("money.discount", { name: line.discount.name })} <Money value={line.discount.amount} />
                          </span>
                        )}
                      </div>
                      <div className="statement-line__sum">
                        <Money value={line.amount} sign />
                        <span className="muted">{t("money.after")} <Money value={line.balanceAfter} /></span>
                      </div>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        )}
        {older.cursor && (
          <button type="button" className="button" data-testid="statement-older" disabled={older.loading}
            onClick={older.more}>
            {t("money.older")}
          </button>
        )}
        {older.error && <ErrorNote>{t("error.generic")}</ErrorNote>}
      </Card>

      <Card title={t("money.payments")}>
        {money.payments.length === 0 ? <Empty>{t("money.noPayments")}</Empty> : (
          <ul className="list">
            {[...money.payments].reverse().map((p) => (
              <li key={p.id} className="payment">
                <span>{formatDateTime(p.receivedAt, locale, timeZone)}</span>
                <span>{t(`money.method.${p.method}` as MessageKey)}</span>
                <Money value={p.amount} />
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

/**
 * Older statement lines, a page per "show older": the first page (newest lines) comes with the money query. When
 * that page changes (new lines came), the older pages read so far start again from its end.
 */
function useOlderLines(pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined) {
  const client = useClient();
  const start = olderCursor(pageInfo);
  const [state, setState] = useState<{ from: string | null; pages: StatementLineFieldsFragment[][];
    cursor: string | null; loading: boolean; error: boolean }>(
    { from: start, pages: [], cursor: start, loading: false, error: false });
  const current = state.from === start ? state : { from: start, pages: [], cursor: start, loading: false, error: false };
  if (current !== state) setState(current);
  const more = () => {
    const after = current.cursor;
    if (!after || current.loading) return;
    setState({ ...current, loading: true, error: false });
    void client.query(StatementPage, { after }, { requestPolicy: "network-only" }).toPromise().then((result) => {
      const page = result.data?.myFamily?.statement;
      setState((s) => s.from !== start ? s : page
        ? { ...s, pages: [...s.pages, page.edges.map((e) => e.node)], cursor: olderCursor(page.pageInfo),
          loading: false }
        : { ...s, loading: false, error: true });
    });
  };
  return { pages: current.pages, cursor: current.cursor, loading: current.loading, error: current.error, more };
}

function PayOnline({ familyId, invoiceId, amount, label }: {
  familyId: string; invoiceId?: string; amount: string; label?: string;
}) {
  const { t } = useI18n();
  const [state, start] = useMutation(StartOnlinePayment);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onClick = async () => {
    setError(null);
    const result = await start({ input: { familyId, amount, invoiceId: invoiceId ?? null } });
    const payload = result.data?.startOnlinePayment;
    if (payload?.checkout) {
      setUrl(payload.checkout.confirmationUrl);
    } else {
      const first = payload?.errors[0];
      setError(first ? describeError(t, first) : describeCombined(t, result.error));
    }
  };
  if (url) {
    return (
      <div className="pay">
        <a className="button button--primary" href={url} target="_blank" rel="noopener noreferrer" data-testid="checkout-link">
          {t("money.goToCheckout")}
        </a>
        <InfoNote>{t("money.waiting")}</InfoNote>
      </div>
    );
  }
  return (
    <div className="pay">
      <button type="button" className="button button--primary" disabled={state.fetching} onClick={() => void onClick()}>
        {label ?? t("money.payOnline")}
      </button>
      {error && <ErrorNote>{error}</ErrorNote>}
    </div>
  );
}
