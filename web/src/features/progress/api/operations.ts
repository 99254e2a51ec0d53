import { graphql } from "../../../gql";

export const ChildProgress = graphql(`
  query ChildProgress($studentId: ID!, $from: DateTime!) {
    student(id: $studentId) {
      id
      progress(from: $from) {
        courseId gradeScale
        current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion grades }
        trend { attendanceRate averageGrade homeworkCompletion }
      }
      pastLessons(first: 60) {
        edges { node { lessonId startsAt grade attendance homeworkDone filled } }
      }
    }
    courses { id name }
  }
`);
