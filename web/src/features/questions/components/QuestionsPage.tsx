import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "urql";
import { Card, Empty, ErrorNote, InfoNote, PageTitle, Spinner } from "../../../components/ui";
import { describeCombined, describeError } from "../../../lib/errors";
import { formatDateTime } from "../../../lib/format";
import { useI18n, type MessageKey } from "../../../lib/i18n";
import { useCabinet } from "../../family/context";
import { AskQuestion, Questions } from "../api/operations";

export default function QuestionsPage() {
  const { t, locale } = useI18n();
  const { child, timeZone } = useCabinet();
  const [{ data, error, fetching }, refetch] = useQuery({ query: Questions });
  const [state, ask] = useMutation(AskQuestion);
  const [topic, setTopic] = useState("");
  const [text, setText] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const topics = data?.questionTopics ?? [];
  const titles = new Map(topics.map((tp) => [tp.code, tp.title]));

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const result = await ask({ input: { topic, text: text.trim(), studentId: child.id } });
    const payload = result.data?.askQuestion;
    if (payload?.question) {
      setMessage({ ok: true, text: t("questions.sent", { when: formatDateTime(payload.question.dueAt, locale, timeZone) }) });
      setText("");
      refetch({ requestPolicy: "network-only" });
    } else {
      const first = payload?.errors[0];
      setMessage({ ok: false, text: first ? describeError(t, first) : describeCombined(t, result.error) ?? t("error.generic") });
    }
  };

  return (
    <div>
      <PageTitle>{t("questions.title")}</PageTitle>
      <Card title={t("questions.ask")}>
        <form className="form" onSubmit={onSubmit}>
          <label className="field">
            <span className="field__label">{t("questions.topic")}</span>
            <select name="topic" required value={topic} onChange={(e) => setTopic(e.target.value)}>
              <option value="">{t("questions.chooseTopic")}</option>
              {topics.map((tp) => (
                <option key={tp.code} value={tp.code}>
                  {t(`topic.${tp.code}` as MessageKey) === `topic.${tp.code}` ? tp.title : t(`topic.${tp.code}` as MessageKey)}
                  {" — "}
                  {tp.responseHours ? t("questions.inHours", { count: tp.responseHours }) : t("questions.inDays", { count: tp.responseWorkingDays ?? 1 })}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">{t("questions.text")}</span>
            <textarea name="text" required rows={4} value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          {message && (message.ok ? <InfoNote>{message.text}</InfoNote> : <ErrorNote>{message.text}</ErrorNote>)}
          <button type="submit" className="button button--primary" disabled={state.fetching || !topic || !text.trim()}>
            {t("questions.send")}
          </button>
        </form>
      </Card>
      <Card title={t("questions.mine")}>
        {!data && fetching ? <Spinner /> : error ? <ErrorNote>{describeCombined(t, error)}</ErrorNote> :
          (data?.myQuestions.length ?? 0) === 0 ? <Empty>{t("questions.none")}</Empty> : (
            <ul className="list" data-testid="questions">
              {data?.myQuestions.map((q) => (
                <li key={q.id} className="question" data-testid="question">
                  <div className="question__head">
                    <strong>{t(`topic.${q.topic}` as MessageKey) === `topic.${q.topic}` ? (titles.get(q.topic) ?? q.topic) : t(`topic.${q.topic}` as MessageKey)}</strong>
                    <span className={`badge ${q.status === "answered" || q.status === "closed" ? "badge--good" : q.overdue ? "badge--warn" : ""}`}>
                      {t(`questions.status.${q.status}` as MessageKey)}
                    </span>
                  </div>
                  <p>{q.text}</p>
                  <p className="muted">{t("questions.due", { when: formatDateTime(q.dueAt, locale, timeZone) })}</p>
                  {q.answer && <p className="answer"><strong>{t("questions.answer")}:</strong> {q.answer}</p>}
                </li>
              ))}
            </ul>
          )}
      </Card>
    </div>
  );
}
