import { graphql } from "../../../gql";

export const TeacherLessonFields = graphql(`
  fragment TeacherLessonFields on Lesson {
    id startsAt endsAt status kind lessonType branchId courseId
    group { id name }
    room { id name }
  }
`);

/** The teacher's home in one request: who, the coming week, the sheets still missing; every branch's zone (a
 * lesson's time is shown in its branch's zone) and the course names. */
export const TeacherHome = graphql(`
  query TeacherHome($from: DateTime!, $to: DateTime!) {
    me {
      staffId
      staff {
        id firstName lastName
        lessons(from: $from, to: $to, first: 200) { edges { node { ...TeacherLessonFields } } }
      }
    }
    unfilledSheets(first: 50) { ...TeacherLessonFields }
    branches { id name timeZone }
    courses { id name }
  }
`);

export const SheetFields = graphql(`
  fragment SheetFields on LessonSheet {
    lessonId summary homework revision filled updatedAt gradeScale
    students {
      studentId reason onLesson attendance homeworkDone grade comment
      student { id firstName lastName }
    }
  }
`);

export const TeacherLesson = graphql(`
  query TeacherLesson($lessonId: ID!) {
    lesson(id: $lessonId) {
      ...TeacherLessonFields
      sheet { ...SheetFields }
    }
    branches { id name timeZone }
    courses { id name }
  }
`);

export const SaveLessonSheet = graphql(`
  mutation SaveLessonSheet($input: SaveLessonSheetInput!) {
    saveLessonSheet(input: $input) {
      sheet { ...SheetFields }
      errors { code message field }
    }
  }
`);
