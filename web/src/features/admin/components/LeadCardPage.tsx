import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";
import { BirthDateInput } from "../../../components/BirthDateInput";
import { NotFound } from "../../../components/NotFound";
import { Card, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import type { LeadCardQuery, LeadInput } from "../../../gql/graphql";
import { EMPTY_DATE, parseBirthDate, type DateParts } from "../../../lib/birthdate";
import { describeCombined, fromCombined } from "../../../lib/errors";
import { formatDateTime } from "../../../lib/format";
import { newKey } from "../../../lib/ids";
import { useI18n, type MessageKey, type Translate } from "../../../lib/i18n";
import { LeadCard, LeadStaff, MoveLead, UpdateLead, WinLead } from "../api/leads";
import { formFromLead, fullName, historyLine, isOpen, nextStage, type HistoryChange } from "../leads";
import { useAdmin } from "../useAdmin";
import { LeadForm } from "./LeadForm";
import { useChildAge } from "./LeadsPage";
import { refusalOf, type Say } from "./leadRefusal";

type Lead = NonNullable<LeadCardQuery["lead"]>;
type Mode = "none" | "lose" | "edit" | "win";
/** What the last action came to: done, refused, or refused because someone else changed the lead first. */
type Outcome = { kind: "done" | "error" | "stale" | "pending"; say: Say };

const stageWord = (t: Translate, stage: string) => t(`admin.lead.stage.${stage}` as MessageKey);

/** identity's names for a lead's fields (an edit's history names them) -> the form's labels. */
const FIELD_LABELS: Record<string, MessageKey> = {
  contact_first_name: "admin.lead.contactFirstName", contact_last_name: "admin.lead.contactLastName",
  phone: "admin.lead.phone", email: "admin.lead.email", child_first_name: "admin.lead.childFirstName",
  child_last_name: "admin.lead.childLastName", child_birth_date: "admin.lead.birthDate",
  child_age: "admin.lead.childAge", interest: "admin.lead.interest", source: "admin.lead.source",
  source_detail: "admin.lead.sourceDetail", assigned_staff_id: "admin.lead.assigned", notes: "admin.lead.notes",
};

/** A lead's card (R-CRM-2): its details and history; move it forward, lose it with a reason, edit it, or win it
 * (the new client's card opens). Every change carries the revision read: another admin's change first is told
 * plainly, with a reload. A lead outside the admin's branches is "not found". */
export default function LeadCardPage() {
  const { t } = useI18n();
  const { leadId = "" } = useParams();
  const [{ data, error, fetching }, refetch] = useQuery({ query: LeadCard, variables: { id: leadId } });
  if (!data && fetching) return <Spinner />;
  const code = fromCombined(error)?.code;
  if (code === "FORBIDDEN" || code === "LEAD_NOT_FOUND" || code === "NOT_FOUND") return <NotFound />;
  if (!data?.lead) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  // Keyed by the lead: another lead's card starts afresh (no outcome, no open form carried over).
  return <LeadCardView key={data.lead.id} lead={data.lead} reload={() => refetch({ requestPolicy: "network-only" })} />;
}

function LeadCardView({ lead, reload }: { lead: Lead; reload: () => void }) {
  const { t, locale } = useI18n();
  const { branch } = useAdmin();
  const [{ data: staffData }] = useQuery({ query: LeadStaff, variables: { branchId: lead.branchId } });
  const staff = useMemo(() => staffData?.staffMembers ?? [], [staffData]);
  const [mode, setMode] = useState<Mode>("none");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const age = useChildAge();
  const open = isOpen(lead.stage);
  const next = nextStage(lead.stage);
  const [moving, move] = useMutation(MoveLead);
  const [updating, update] = useMutation(UpdateLead);
  const busy = useRef(false);

  // The outcome takes the focus: the button pressed may be gone (the stage moved on, the form closed).
  useEffect(() => { if (outcome) outcomeRef.current?.focus(); }, [outcome]);

  const act = async (run: () => Promise<Outcome>) => {
    if (busy.current) return;
    busy.current = true;
    try {
      const got = await run();
      setOutcome(got);
      // A refusal leaves the card as it was read: after someone else's change, "reload" shows what they did.
      if (got.kind === "done") {
        setMode("none");
        reload();
      }
    } finally {
      busy.current = false;
    }
  };
  const onForward = (stage: NonNullable<typeof next>) => act(async () => {
    const r = await move({ leadId: lead.id, stage, expectedRevision: lead.revision });
    const p = r.data?.moveLead;
    if (!p?.lead) return failed(refusalOf(p?.errors[0], r.error));
    return { kind: "done", say: (tr) => tr("admin.lead.done.moved", { stage: stageWord(tr, stage) }) };
  });
  const onLose = (reason: string) => act(async () => {
    const r = await move({ leadId: lead.id, stage: "LOST", expectedRevision: lead.revision, lostReason: reason });
    const p = r.data?.moveLead;
    if (!p?.lead) return failed(refusalOf(p?.errors[0], r.error));
    return { kind: "done", say: (tr) => tr("admin.lead.done.lost") };
  });
  const onEdit = (input: LeadInput) => act(async () => {
    const r = await update({ leadId: lead.id, expectedRevision: lead.revision, input });
    const p = r.data?.updateLead;
    if (!p?.lead) return failed(refusalOf(p?.errors[0], r.error));
    return { kind: "done", say: (tr) => tr("admin.lead.done.edited") };
  });
  const onReload = () => {
    setOutcome({ kind: "done", say: (tr) => tr("admin.lead.done.reloaded") });
    reload();
  };

  const person = (id: string) => {
    const s = staff.find((x) => x.id === id);
    return s ? `${s.firstName} ${s.lastName}` : t("admin.lead.someone");
  };
  const assigned = lead.assignedStaffId ? person(lead.assignedStaffId) : t("admin.lead.nobody");
  return (
    <div data-testid="lead-card" data-lead-id={lead.id} data-stage={lead.stage} data-revision={lead.revision}
      data-loaded="true">
      <p><Link to="/a/leads">← {t("admin.lead.back")}</Link></p>
      <PageTitle>{fullName(lead.childFirstName, lead.childLastName)}</PageTitle>
      <p>
        <span className={`badge ${lead.stage === "WON" ? "badge--good" : lead.stage === "LOST" ? "" : "badge--warn"}`}
          data-testid="lead-stage">{stageWord(t, lead.stage)}</span>
        <span className="muted"> · {t("admin.lead.createdAt", { date: formatDateTime(lead.createdAt, locale, branch.timeZone) })}</span>
      </p>
      {outcome && (
        <div ref={outcomeRef} tabIndex={-1} className={`note ${outcome.kind === "done" ? "note--info" : outcome.kind === "pending" ? "note--warn" : "note--error"}`}
          role={outcome.kind === "done" || outcome.kind === "pending" ? "status" : "alert"} data-testid="lead-outcome"
          data-kind={outcome.kind}>
          <p>{outcome.say(t)}</p>
          {outcome.kind === "stale" && (
            <button type="button" className="button" onClick={onReload}>{t("admin.lead.reload")}</button>
          )}
        </div>
      )}
      <div className="admin-card-grid">
        <Card title={t("admin.lead.details")}>
          <dl className="facts" data-testid="lead-details">
            <Fact term={t("admin.lead.child")}>
              {fullName(lead.childFirstName, lead.childLastName)}{age(lead) ? `, ${age(lead)}` : ""}
            </Fact>
            <Fact term={t("admin.lead.contact")}>{fullName(lead.contactFirstName, lead.contactLastName)}</Fact>
            <Fact term={t("admin.lead.phone")}><a href={`tel:${lead.phone}`}>{lead.phone}</a></Fact>
            {lead.email && <Fact term={t("admin.lead.email")}>{lead.email}</Fact>}
            {lead.interest && <Fact term={t("admin.lead.interest")}>{lead.interest}</Fact>}
            <Fact term={t("admin.lead.source")}>
              {t(`admin.lead.source.${lead.source}` as MessageKey)}{lead.sourceDetail ? ` · ${lead.sourceDetail}` : ""}
            </Fact>
            <Fact term={t("admin.lead.assigned")}>{assigned}</Fact>
            {lead.notes && <Fact term={t("admin.lead.notes")}>{lead.notes}</Fact>}
            {lead.lostReason && <Fact term={t("admin.lead.lostReason")}>{lead.lostReason}</Fact>}
          </dl>
        </Card>
        <Card title={t("admin.lead.actions")}>
          {!open && (
            <div data-testid="lead-closed">
              <p>{t("admin.lead.closed", { stage: stageWord(t, lead.stage) })}</p>
              {lead.familyId && <p><Link to={`/a/clients/${lead.familyId}`}>{t("admin.lead.openClient")}</Link></p>}
            </div>
          )}
          {open && (
            <div className="lead-actions">
              {next && (
                <button type="button" className="button button--primary" aria-disabled={moving.fetching}
                  onClick={() => void onForward(next)}>
                  {t("admin.lead.forward", { stage: stageWord(t, next) })}
                </button>
              )}
              <button type="button" className="button" aria-expanded={mode === "win"}
                onClick={() => setMode(mode === "win" ? "none" : "win")}>{t("admin.lead.win")}</button>
              <button type="button" className="button" aria-expanded={mode === "edit"}
                onClick={() => setMode(mode === "edit" ? "none" : "edit")}>{t("admin.lead.edit")}</button>
              <button type="button" className="button" aria-expanded={mode === "lose"}
                onClick={() => setMode(mode === "lose" ? "none" : "lose")}>{t("admin.lead.lose")}</button>
            </div>
          )}
          {open && mode === "lose" && <LoseForm busy={moving.fetching} onLose={(r) => void onLose(r)} />}
          {open && mode === "win" && (
            <WinForm lead={lead} onOutcome={(o) => { setOutcome(o); if (o.kind === "pending") reload(); }} />
          )}
        </Card>
      </div>
      {open && mode === "edit" && (
        <Card title={t("admin.lead.editTitle")}>
          <LeadForm key={lead.revision} initial={formFromLead(lead)} staff={staff} submitLabel={t("admin.lead.save")}
            busy={updating.fetching} onSubmit={(i) => void onEdit(i)} onCancel={() => setMode("none")} />
        </Card>
      )}
      <Card title={t("admin.lead.history")}>
        <ol className="list list--spaced lead-history" data-testid="lead-history">
          {lead.history.map((h, i) => (
            <li key={`${h.at}-${i}`} data-to={h.toStage}>
              <HistoryText change={h} />
              <div className="muted">{formatDateTime(h.at, locale, branch.timeZone)} · {person(h.by)}</div>
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

function failed(refusal: { stale: boolean; say: Say }): Outcome {
  return { kind: refusal.stale ? "stale" : "error", say: refusal.say };
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return <div className="facts__row"><dt>{term}</dt><dd>{children}</dd></div>;
}

function HistoryText({ change }: { change: HistoryChange }) {
  const { t } = useI18n();
  const line = historyLine(change);
  switch (line.kind) {
    case "created": return <>{t("admin.lead.h.created", { stage: stageWord(t, line.stage) })}</>;
    case "moved": return <>{t("admin.lead.h.moved", { from: stageWord(t, line.from), to: stageWord(t, line.to) })}</>;
    case "lost": return <>{t("admin.lead.h.lost", { from: stageWord(t, line.from), reason: line.reason })}</>;
    case "won": return <>{t("admin.lead.h.won", { from: stageWord(t, line.from) })}</>;
    case "pending": return <>{t("admin.lead.h.pending")}</>;
    case "edited":
      return <>{line.fields.length === 0 ? t("admin.lead.h.editedNothing") : t("admin.lead.h.edited", {
        fields: line.fields.map((f) => (FIELD_LABELS[f] ? t(FIELD_LABELS[f]) : f).toLocaleLowerCase()).join(", "),
      })}</>;
    default: return <>{line.note}</>;
  }
}

function LoseForm({ busy, onLose }: { busy: boolean; onLose: (reason: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) {
      setMissing(true);
      return;
    }
    setMissing(false);
    onLose(reason.trim());
  };
  return (
    <form className="form lead-subform" onSubmit={submit} noValidate data-testid="lose-form">
      <div className="field">
        <label className="field__label" htmlFor={id}>{t("admin.lead.lostReason")}</label>
        <input id={id} name="lostReason" autoComplete="off" value={reason} autoFocus maxLength={500}
          aria-invalid={missing ? true : undefined} aria-describedby={missing ? `${id}-error` : undefined}
          onChange={(e) => setReason(e.target.value)} />
        {missing && <p id={`${id}-error`} className="note note--error" role="alert">{t("error.LOST_REASON_REQUIRED")}</p>}
      </div>
      <div className="row">
        <button type="submit" className="button button--danger" aria-disabled={busy}>{t("admin.lead.loseSave")}</button>
      </div>
    </form>
  );
}

/** Winning: the consent signed, and the birth date when the lead holds only the age; one idempotency key for
 * this form, so a retry registers nothing twice. DONE opens the new client's card. */
function WinForm({ lead, onOutcome }: { lead: Lead; onOutcome: (o: Outcome) => void }) {
  const { t } = useI18n();
  const id = useId();
  const navigate = useNavigate();
  const [key] = useState(newKey);
  const [consent, setConsent] = useState(false);
  const [birth, setBirth] = useState<DateParts>(EMPTY_DATE);
  const [problem, setProblem] = useState<Say | null>(null);
  const [birthProblem, setBirthProblem] = useState<MessageKey | null>(null);
  const [state, win] = useMutation(WinLead);
  const busy = useRef(false);
  const needsBirth = !lead.childBirthDate;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let childBirthDate: string | null = null;
    if (needsBirth) {
      const parsed = parseBirthDate(birth);
      if (!parsed.ok) {
        setBirthProblem(`date.problem.${parsed.problem}`);
        return;
      }
      childBirthDate = parsed.iso;
    }
    setBirthProblem(null);
    if (!consent) {
      setProblem(() => (tr: Translate) => tr("error.CONSENT_REQUIRED"));
      return;
    }
    setProblem(null);
    if (busy.current) return;
    busy.current = true;
    try {
      const r = await win({ input: {
        leadId: lead.id, expectedRevision: lead.revision, consentSigned: true, idempotencyKey: key, childBirthDate,
      } });
      const p = r.data?.winLead;
      if (p?.status === "DONE" && p.lead?.familyId) {
        navigate(`/a/clients/${p.lead.familyId}`);
        return;
      }
      if (p?.status === "PENDING_CONFIRMATION") {
        onOutcome({ kind: "pending", say: (tr) => tr("admin.lead.pending") });
        return;
      }
      onOutcome(failed(refusalOf(p?.errors[0], r.error)));
    } finally {
      busy.current = false;
    }
  };
  return (
    <form className="form lead-subform" onSubmit={(e) => void submit(e)} noValidate data-testid="win-form">
      <h3 className="lead-subform__title">{t("admin.lead.winTitle")}</h3>
      <p className="muted">{t("admin.lead.winNote")}</p>
      {needsBirth && (
        <BirthDateInput value={birth} onChange={setBirth} legend={t("admin.lead.winBirth")}
          error={birthProblem ? t(birthProblem) : null} />
      )}
      <label className="check" htmlFor={`${id}-consent`}>
        <input id={`${id}-consent`} type="checkbox" name="consent" checked={consent}
          aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${id}-error` : undefined}
          onChange={(e) => setConsent(e.target.checked)} />
        <span>{t("admin.lead.consent")}</span>
      </label>
      {problem && <p id={`${id}-error`} className="note note--error" role="alert">{problem(t)}</p>}
      <div className="row">
        <button type="submit" className="button button--primary" aria-disabled={state.fetching}>
          {state.fetching ? t("admin.lead.winning") : t("admin.lead.winDo")}
        </button>
      </div>
    </form>
  );
}
