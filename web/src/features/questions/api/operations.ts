import { graphql } from "../../../gql";

export const Questions = graphql(`
  query Questions {
    myQuestions { id studentId topic text status askedAt dueAt answer answeredAt overdue }
    questionTopics { code title responseHours responseWorkingDays }
  }
`);

export const AskQuestion = graphql(`
  mutation AskQuestion($input: AskQuestionInput!) {
    askQuestion(input: $input) { question { id status dueAt } errors { code message field } }
  }
`);
