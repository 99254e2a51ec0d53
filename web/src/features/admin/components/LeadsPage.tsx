import { useId, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import type { LeadFieldsFragment, LeadInput } from "../../../gql/graphql";
import { describeCombined } from "../../../lib/errors";
import { formatDate, formatLocalDate } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { BranchLeads, CreateLead, LeadStaff } from "../api/leads";
import { EMPTY_LEAD_FORM, fullName, STAGES, stageFromParam } from "../leads";
import { useAdmin } from "../useAdmin";
import { LeadForm } from "./LeadForm";
import { refusalOf, type Say } from "./leadRefusal";

/** The branch's leads (R-CRM-1, R-CRM-2), newest first, filtered by stage (`/a/leads?stage=NEW`); each opens its
 * card, and "Новый лид" opens the form. */
export default function LeadsPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const stage = stageFromParam(params.get("stage"));
  const [{ data, error, fetching }] = useQuery({
    query: BranchLeads, variables: { branchId: branch.id, stage }, requestPolicy: "cache-and-network",
  });
  return (
    <div data-testid="admin-leads">
      <PageTitle>{t("admin.leads.title")}</PageTitle>
      <div className="leads-bar">
        <div className="field">
          <label className="field__label" htmlFor={id}>{t("admin.leads.stage")}</label>
          <select id={id} name="stage" value={stage ?? ""}
            onChange={(e) => setParams(e.target.value ? { stage: e.target.value } : {})}>
            <option value="">{t("admin.leads.allStages")}</option>
            {STAGES.map((s) => <option key={s} value={s}>{t(`admin.lead.stage.${s}` as MessageKey)}</option>)}
          </select>
        </div>
        <Link to="/a/leads/new" className="button button--primary">{t("admin.leads.new")}</Link>
      </div>
      <Card>
        {!data && fetching && <Spinner />}
        {!data && !fetching && <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>}
        {data && <LeadList leads={data.branchLeads} />}
      </Card>
    </div>
  );
}

function LeadList({ leads }: { leads: LeadFieldsFragment[] }) {
  const { t } = useI18n();
  return (
    <div data-testid="lead-list" data-loaded="true" data-count={leads.length}>
      <p className="muted">{t("admin.leads.count", { count: leads.length })}</p>
      {leads.length === 0 ? <Empty>{t("admin.leads.none")}</Empty> : (
        <ul className="list" aria-label={t("admin.leads.list")}>
          {leads.map((lead) => <LeadRow key={lead.id} lead={lead} />)}
        </ul>
      )}
    </div>
  );
}

/** "7 лет" or "дата рождения 3 мая 2019": the child as the lead holds them. */
export function useChildAge(): (lead: Pick<LeadFieldsFragment, "childAge" | "childBirthDate">) => string {
  const { t, locale } = useI18n();
  return (lead) => {
    if (lead.childBirthDate) return t("admin.lead.born", { date: formatLocalDate(lead.childBirthDate, locale, { year: "numeric" }) });
    return lead.childAge != null ? t("admin.lead.age", { count: lead.childAge }) : "";
  };
}

function LeadRow({ lead }: { lead: LeadFieldsFragment }) {
  const { t, locale } = useI18n();
  const { branch } = useAdmin();
  const age = useChildAge();
  const stageClass = lead.stage === "WON" ? "badge--good" : lead.stage === "LOST" ? "" : "badge--warn";
  return (
    <li data-testid="lead" data-lead-id={lead.id} data-stage={lead.stage}>
      <Link to={`/a/leads/${lead.id}`} className="lead-row">
        <span className="lead-row__name">{fullName(lead.childFirstName, lead.childLastName)}</span>
        <span className="muted">{age(lead)}</span>
        <span>
          <span className={`badge ${stageClass}`}>{t(`admin.lead.stage.${lead.stage}` as MessageKey)}</span>
        </span>
        <span className="muted">{fullName(lead.contactFirstName, lead.contactLastName)} · {lead.phone}</span>
        <span className="muted">{formatDate(lead.createdAt, locale, branch.timeZone)}
          {lead.interest ? ` · ${lead.interest}` : ""}</span>
      </Link>
    </li>
  );
}

/** "Новый лид": the form; the lead is created in the admin's branch and its card opens. */
export function NewLeadPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const navigate = useNavigate();
  const [{ data: staff }] = useQuery({ query: LeadStaff, variables: { branchId: branch.id } });
  const [state, create] = useMutation(CreateLead);
  const [problem, setProblem] = useState<Say | null>(null);
  // A second click while the first is on its way creates nothing (the button is disabled only after a render).
  const busy = useRef(false);
  const onSubmit = async (input: LeadInput) => {
    if (busy.current) return;
    busy.current = true;
    try {
      const r = await create({ branchId: branch.id, input });
      const lead = r.data?.createLead.lead;
      if (lead) {
        navigate(`/a/leads/${lead.id}`);
        return;
      }
      setProblem(() => refusalOf(r.data?.createLead.errors[0], r.error).say);
    } finally {
      busy.current = false;
    }
  };
  return (
    <div data-testid="new-lead">
      <p><Link to="/a/leads">← {t("admin.lead.back")}</Link></p>
      <PageTitle>{t("admin.lead.newTitle")}</PageTitle>
      <Card>
        <LeadForm key={branch.id} initial={EMPTY_LEAD_FORM} staff={staff?.staffMembers ?? []}
          submitLabel={t("admin.lead.create")} busy={state.fetching} onSubmit={(i) => void onSubmit(i)}
          outcome={problem && <p className="note note--error" role="alert" data-testid="lead-outcome">{problem(t)}</p>} />
      </Card>
    </div>
  );
}
