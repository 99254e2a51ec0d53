import { useCallback, useEffect, useId, useRef, useState, type Ref } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import type { LeadFieldsFragment, LeadInput, LeadStage } from "../../../gql/graphql";
import { describeCombined } from "../../../lib/errors";
import { formatDate, formatLocalDate } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { useDebounced } from "../../../lib/useDebounced";
import { BranchLeads, CreateLead, LeadStaff } from "../api/leads";
import {
  EMPTY_LEAD_FORM, fullName, LEADS_PAGE, listParams, MAX_SEARCH, searchText, shownThrough, STAGES, stageFromParam,
} from "../leads";
import { useAdmin } from "../useAdmin";
import { LeadForm } from "./LeadForm";
import { refusalOf, type Say } from "./leadRefusal";

/** The branch's leads (R-CRM-1, R-CRM-2), newest first, a page at a time ("show more"), filtered by stage and found
 * by a search of names and phones (`/a/leads?stage=NEW&q=Оля`: identity searches, so every page is searched); each
 * opens its card, and "Новый лид" opens the form. */
export default function LeadsPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const stageId = useId();
  const searchId = useId();
  const [params, setParams] = useSearchParams();
  const stage = stageFromParam(params.get("stage"));
  const search = searchText(params.get("q") ?? "");
  const [typed, setTyped] = useState(params.get("q") ?? "");
  const settled = useDebounced(typed, SEARCH_PAUSE_MS);
  // What was last put in the address: typing that only adds spaces, or a stage change, asks nothing new.
  const sent = useRef(search);
  const send = useCallback((text: string) => {
    const next = searchText(text);
    if (next === sent.current) return;
    sent.current = next;
    setParams(listParams(stage, next), { replace: true });
  }, [setParams, stage]);
  useEffect(() => send(settled), [settled, send]);
  return (
    <div data-testid="admin-leads">
      <PageTitle>{t("admin.leads.title")}</PageTitle>
      <div className="leads-bar">
        <form role="search" className="field leads-bar__search" onSubmit={(e) => { e.preventDefault(); send(typed); }}>
          <label className="field__label" htmlFor={searchId}>{t("admin.leads.search")}</label>
          <input id={searchId} name="q" type="search" autoComplete="off" maxLength={MAX_SEARCH} value={typed}
            onChange={(e) => setTyped(e.target.value)} />
        </form>
        <div className="field">
          <label className="field__label" htmlFor={stageId}>{t("admin.leads.stage")}</label>
          <select id={stageId} name="stage" value={stage ?? ""}
            onChange={(e) => setParams(listParams(stageFromParam(e.target.value), search))}>
            <option value="">{t("admin.leads.allStages")}</option>
            {STAGES.map((s) => <option key={s} value={s}>{t(`admin.lead.stage.${s}` as MessageKey)}</option>)}
          </select>
        </div>
        <Link to="/a/leads/new" className="button button--primary">{t("admin.leads.new")}</Link>
      </div>
      <Card>
        {/* A new stage or search starts again from the first page. */}
        <LeadList key={`${branch.id}|${stage ?? ""}|${search}`} branchId={branch.id} stage={stage} search={search} />
      </Card>
    </div>
  );
}

// Long enough that a word typed at an ordinary pace is one request, short enough to feel immediate.
const SEARCH_PAUSE_MS = 300;

/** The pages loaded so far: the first, then one more for each "show more" (by the previous page's endCursor). */
function LeadList({ branchId, stage, search }: { branchId: string; stage: LeadStage | null; search: string }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <>
      {cursors.map((after, i) => (
        <LeadPage key={after ?? ""} branchId={branchId} stage={stage} search={search} after={after} index={i}
          onMore={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : undefined} />
      ))}
    </>
  );
}

function LeadPage({ branchId, stage, search, after, index, onMore }: {
  branchId: string; stage: LeadStage | null; search: string; after: string | null; index: number;
  onMore?: (cursor: string) => void;
}) {
  const { t } = useI18n();
  const [{ data, error, fetching }] = useQuery({
    query: BranchLeads, requestPolicy: "cache-and-network",
    variables: { branchId, stage, search: search || null, first: LEADS_PAGE, after },
  });
  const firstRow = useRef<HTMLAnchorElement>(null);
  const loaded = data !== undefined;
  // "Show more" goes away with the page it was on: the keyboard carries on from the first lead it brought.
  useEffect(() => {
    if (loaded && index > 0) firstRow.current?.focus();
  }, [loaded, index]);
  if (!data && fetching) return <Spinner />;
  if (!data) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const page = data.branchLeads;
  const leads = page.edges.map((e) => e.node);
  const total = page.totalCount;
  const next = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  const more = onMore && next && (
    <div className="leads-more">
      <p className="muted" data-testid="leads-shown">
        {t("admin.leads.shown", { shown: shownThrough(index, leads.length), count: total })}
      </p>
      <button type="button" className="button" onClick={() => onMore(next)}>{t("admin.leads.more")}</button>
    </div>
  );
  const rows = (
    <ul className="list" aria-label={t("admin.leads.list")}>
      {leads.map((lead, i) => <LeadRow key={lead.id} lead={lead} linkRef={i === 0 ? firstRow : undefined} />)}
    </ul>
  );
  if (index > 0) return <>{rows}{more}</>;
  return (
    <div data-testid="lead-list" data-loaded="true" data-count={total}>
      <p className="muted" role="status" data-testid="leads-count">
        {t(search ? "admin.leads.found" : "admin.leads.count", { count: total })}
      </p>
      {leads.length === 0 ? <Empty>{search ? t("admin.leads.notFound", { search }) : t("admin.leads.none")}</Empty> : rows}
      {more}
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

function LeadRow({ lead, linkRef }: { lead: LeadFieldsFragment; linkRef?: Ref<HTMLAnchorElement> }) {
  const { t, locale } = useI18n();
  const { branch } = useAdmin();
  const age = useChildAge();
  const stageClass = lead.stage === "WON" ? "badge--good" : lead.stage === "LOST" ? "" : "badge--warn";
  return (
    <li data-testid="lead" data-lead-id={lead.id} data-stage={lead.stage}>
      <Link ref={linkRef} to={`/a/leads/${lead.id}`} className="lead-row">
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
