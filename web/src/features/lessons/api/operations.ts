import { graphql } from "../../../gql";

export const ChildLessons = graphql(`
  query ChildLessons($studentId: ID!, $from: DateTime!, $to: DateTime!) {
    student(id: $studentId) {
      id
      lessons(from: $from, to: $to, first: 200) {
        edges { node { id startsAt endsAt localDate status lessonType kind group { id name } } }
      }
    }
  }
`);

export const LessonPage = graphql(`
  query LessonPage($lessonId: ID!, $studentId: ID!) {
    lesson(id: $lessonId) {
      id startsAt endsAt status lessonType kind teacherId cancelReason cancellableUntil
      room { id name }
      price { amount currency }
      group { id name }
      participants { studentId reason }
      sheet {
        summary homework filled
        students { studentId onLesson attendance homeworkDone grade comment }
      }
    }
    student(id: $studentId) { id firstName }
  }
`);

export const TeacherName = graphql(`
  query TeacherName($id: ID!) {
    staff(id: $id) { id firstName lastName }
  }
`);

export const IssueCalendarFeed = graphql(`
  mutation IssueCalendarFeed($studentId: ID!) {
    issueCalendarFeed(studentId: $studentId) { feed { id url } errors { code message } }
  }
`);

export const LessonChanged = graphql(`
  subscription LessonChanged($studentId: ID!) {
    lessonChanged(studentId: $studentId) { kind lessonId studentId occurredAt }
  }
`);
