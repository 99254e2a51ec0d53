import type { ReactNode } from "react";
import { useI18n } from "../lib/i18n";
import { formatMoney, type MoneyValue } from "../lib/format";

export function Spinner({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="spinner" role="status" aria-live="polite">
      <span className="spinner__dot" aria-hidden="true" />
      <span>{label ?? t("common.loading")}</span>
    </div>
  );
}

export function ErrorNote({ children }: { children: ReactNode }) {
  return <p className="note note--error" role="alert">{children}</p>;
}

export function InfoNote({ children }: { children: ReactNode }) {
  return <p className="note note--info" role="status">{children}</p>;
}

export function Card({ title, children, action, className = "" }: {
  title?: ReactNode; children: ReactNode; action?: ReactNode; className?: string;
}) {
  return (
    <section className={`card ${className}`}>
      {(title || action) && (
        <header className="card__head">
          {title && <h2 className="card__title">{title}</h2>}
          {action}
        </header>
      )}
      {children}
    </section>
  );
}

export function Money({ value, sign = false }: { value: MoneyValue; sign?: boolean }) {
  const { locale } = useI18n();
  const negative = Number(value.amount) < 0;
  return <span className={`money ${negative ? "money--negative" : ""}`}>{formatMoney(value, locale, { sign })}</span>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function PageTitle({ children }: { children: ReactNode }) {
  return <h1 className="page-title">{children}</h1>;
}
