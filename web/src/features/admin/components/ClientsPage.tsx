import { useId, useState } from "react";
import { Link } from "react-router-dom";
import { useQuery } from "urql";
import { Card, Empty, ErrorNote, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined } from "../../../lib/errors";
import { useI18n } from "../../../lib/i18n";
import { BranchFamilies } from "../api/operations";
import { matchesClient } from "../clientCard";
import { useAdmin } from "../useAdmin";

/** The branch's families (R-CAB-3): search by a child's or parent's name or the phone; each opens its card. */
export default function ClientsPage() {
  const { t } = useI18n();
  const { branch } = useAdmin();
  const id = useId();
  const [search, setSearch] = useState("");
  // Pages after the first, by cursor: "show more" adds one (branchFamilies pages 100 families at a time).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return (
    <div data-testid="admin-clients">
      <PageTitle>{t("admin.clients.title")}</PageTitle>
      <div className="field">
        <label className="field__label" htmlFor={id}>{t("admin.clients.search")}</label>
        <input id={id} name="search" type="search" autoComplete="off" value={search}
          onChange={(e) => setSearch(e.target.value)} />
      </div>
      <Card>
        {cursors.map((after, i) => (
          <FamiliesPage key={`${branch.id}-${after ?? ""}`} branchId={branch.id} after={after} search={search}
            first={i === 0} onMore={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : undefined} />
        ))}
      </Card>
    </div>
  );
}

function FamiliesPage({ branchId, after, search, first, onMore }: {
  branchId: string; after: string | null; search: string; first: boolean; onMore?: (cursor: string) => void;
}) {
  const { t } = useI18n();
  const [{ data, error, fetching }] = useQuery({ query: BranchFamilies, variables: { branchId, after } });
  if (!data && fetching) return <Spinner />;
  if (!data) return <ErrorNote>{describeCombined(t, error) ?? t("error.generic")}</ErrorNote>;
  const page = data.branchFamilies;
  const found = page.edges.map((e) => e.node).filter((f) => matchesClient(f, search));
  const next = page.pageInfo.endCursor;
  return (
    <>
      {first && <p className="muted" data-loaded="true" data-testid="clients-count">{t("admin.clients.count", { count: page.totalCount })}</p>}
      {found.length === 0 && first && !page.pageInfo.hasNextPage ? <Empty>{t("admin.clients.none")}</Empty> : (
        <ul className="list" data-testid="client-list">
          {found.map((f) => {
            const guardian = f.guardians[0];
            return (
              <li key={f.id} data-testid="client" data-family-id={f.id}>
                <Link to={`/a/clients/${f.id}`} className="client-row">
                  <span className="client-row__name">
                    {guardian ? `${guardian.lastName} ${guardian.firstName}` : f.guardianPhone}
                  </span>
                  <span className="muted">{f.guardianPhone}</span>
                  <span className="muted">
                    {t("admin.clients.children", { names: f.students.map((s) => s.firstName).join(", ") })}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {onMore && page.pageInfo.hasNextPage && next && (
        <button type="button" className="button" onClick={() => onMore(next)}>{t("admin.clients.more")}</button>
      )}
    </>
  );
}
