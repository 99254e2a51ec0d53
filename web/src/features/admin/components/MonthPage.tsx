import { useSearchParams } from "react-router-dom";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, InfoNote, Money, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { monthFromParam } from "../../../lib/month";
import { BranchGroups } from "../api/operations";
import { useAdmin } from "../useAdmin";
import { GroupMonthPanel } from "./GroupMonthPanel";
import { MonthPicker } from "./MonthPicker";

/** The branch's month (R-WEB-5, R-SCH-1): pick a month, pick a group, generate its lessons, read them with their
 * prices, publish. The month and the group are in the address (`/a?month=2027-01&group=…`). */
export default function MonthPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const [params, setParams] = useSearchParams();
  const month = monthFromParam(params.get("month"));
  const groupId = params.get("group");
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };
  return (
    <div data-testid="admin-month" data-month={month ?? ""}>
      <PageTitle>{t("admin.month.title")}</PageTitle>
      <MonthPicker key={month ?? ""} value={month} onPick={(m) => set({ month: m })} />
      {month ? (
        <BranchMonth key={branch.id} branchId={branch.id} month={month} groupId={groupId}
          onGroup={(id) => set({ group: id })} />
      ) : (
        <InfoNote>{t("admin.month.pickFirst")}</InfoNote>
      )}
    </div>
  );
}

function BranchMonth({ branchId, month, groupId, onGroup }: {
  branchId: string; month: string; groupId: string | null; onGroup: (id: string) => void;
}) {
  const { t } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: BranchGroups, variables: { branchId } });
  if (!data && fetching) return <Spinner />;
  if (!data) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const courses = new Map(data.courses.map((c) => [c.id, c.name]));
  const groups = [...data.groups].sort((a, b) => a.name.localeCompare(b.name));
  const group = groups.find((g) => g.id === groupId);
  return (
    <div className="admin-split" data-loaded="true">
      <Card title={t("admin.month.groups")} className="admin-split__side">
        {groups.length === 0 ? <Empty>{t("admin.month.noGroups")}</Empty> : (
          <ul className="list" data-testid="admin-groups">
            {groups.map((g) => (
              <li key={g.id}>
                <button type="button" className={`group-pick ${g.id === groupId ? "group-pick--active" : ""}`}
                  aria-pressed={g.id === groupId} data-group-id={g.id} onClick={() => onGroup(g.id)}>
                  <span className="group-pick__name">{g.name}</span>
                  <span className="muted">
                    {g.courseId ? `${courses.get(g.courseId) ?? ""} · ` : ""}<Money value={g.price} />
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <div className="admin-split__main">
        {group ? <GroupMonthPanel key={`${group.id}-${month}`} branchId={branchId} month={month} group={group} />
          : <InfoNote>{t("admin.month.pickGroup")}</InfoNote>}
      </div>
    </div>
  );
}
