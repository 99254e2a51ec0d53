import { useSearchParams } from "react-router-dom";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, InfoNote, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined } from "../../../lib/errors";
import { formatMonth } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { monthFromParam } from "../../../lib/month";
import { LeadFunnel } from "../api/leads";
import { funnelRows, percent } from "../leads";
import { useAdmin } from "../useAdmin";
import { MonthPicker } from "./MonthPicker";

/** The month's lead funnel (R-CRM-2): the month is picked by hand and never filled in (R-WEB-3); it is in the
 * address (`/a/funnel?month=2026-12`). Reached per stage, conversion to clients, why leads were lost. */
export default function FunnelPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const [params, setParams] = useSearchParams();
  const month = monthFromParam(params.get("month"));
  return (
    <div data-testid="admin-funnel" data-month={month ?? ""}>
      <PageTitle>{t("admin.funnel.title")}</PageTitle>
      <MonthPicker key={month ?? ""} value={month} legend={t("admin.funnel.pick")} onPick={(m) => setParams({ month: m })} />
      {month ? <Funnel key={`${branch.id}-${month}`} branchId={branch.id} month={month} />
        : <InfoNote>{t("admin.funnel.pickFirst")}</InfoNote>}
    </div>
  );
}

function Funnel({ branchId, month }: { branchId: string; month: string }) {
  const { t, locale } = useI18n();
  const [{ data, error, fetching }] = useQuery({
    query: LeadFunnel, variables: { branchId, month }, requestPolicy: "cache-and-network",
  });
  if (!data && fetching) return <Spinner />;
  if (!data) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const funnel = data.leadFunnel;
  const [year, monthNo] = month.split("-").map(Number) as [number, number];
  const rows = funnelRows(funnel);
  return (
    <div className="admin-card-grid" data-testid="funnel" data-loaded="true" data-created={funnel.created}>
      <Card title={formatMonth(year, monthNo, locale)}>
        <p data-testid="funnel-created"><strong>{t("admin.funnel.created", { count: funnel.created })}</strong></p>
        {funnel.created === 0 ? <Empty>{t("admin.funnel.empty")}</Empty> : (
          <>
            <p data-testid="funnel-conversion">
              {t("admin.funnel.conversion", {
                percent: percent(funnel.conversion).toLocaleString(locale === "ru" ? "ru-RU" : "en-GB"),
                won: funnel.won, created: funnel.created,
              })}
            </p>
            <table className="table funnel-table" data-testid="funnel-stages">
              <caption className="funnel-table__caption">{t("admin.funnel.stages")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("admin.funnel.col.stage")}</th>
                  <th scope="col" className="num">{t("admin.funnel.col.reached")}</th>
                  <th scope="col" className="num">{t("admin.funnel.col.share")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.stage} data-stage={r.stage} data-reached={r.reached}>
                    <th scope="row">{t(`admin.lead.stage.${r.stage}` as MessageKey)}</th>
                    <td className="num">{r.reached}</td>
                    <td className="num">
                      <span className="funnel-bar" aria-hidden="true"><span style={{ width: `${r.share}%` }} /></span>
                      {r.share}%
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
      {funnel.created > 0 && (
        <Card title={t("admin.funnel.reasons")}>
          <p className="muted">{t("admin.funnel.lost", { count: funnel.lost })}</p>
          {funnel.lostReasons.length === 0 ? <Empty>{t("admin.funnel.noReasons")}</Empty> : (
            <ul className="list list--spaced" data-testid="funnel-reasons">
              {funnel.lostReasons.map((r) => (
                <li key={r.reason} data-count={r.count}>{r.reason} — <strong>{r.count}</strong></li>
              ))}
            </ul>
          )}
        </Card>
      )}
    </div>
  );
}
