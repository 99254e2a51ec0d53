/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Cabinet($studentId: ID!, $withHome: Boolean!, $from: DateTime!, $to: DateTime!) {\n    myFamily { ...FamilyFrame }\n    student(id: $studentId) @include(if: $withHome) { ...ChildHomeFields }\n  }\n": typeof types.CabinetDocument,
    "\n  fragment LeadFields on Lead {\n    id branchId stage revision\n    contactFirstName contactLastName phone email\n    childFirstName childLastName childBirthDate childAge\n    interest source sourceDetail assignedStaffId notes lostReason\n    familyId studentId createdAt updatedAt\n  }\n": typeof types.LeadFieldsFragmentDoc,
    "\n  query BranchLeads($branchId: ID!, $stage: LeadStage, $search: String, $first: Int!, $after: String) {\n    branchLeads(branchId: $branchId, stage: $stage, search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...LeadFields } }\n    }\n  }\n": typeof types.BranchLeadsDocument,
    "\n  query LeadStaff($branchId: ID!) {\n    staffMembers(branchId: $branchId) { id firstName lastName role }\n  }\n": typeof types.LeadStaffDocument,
    "\n  query LeadCard($id: ID!) {\n    lead(id: $id) {\n      ...LeadFields\n      history { at by fromStage toStage note }\n    }\n  }\n": typeof types.LeadCardDocument,
    "\n  query LeadFunnel($branchId: ID!, $month: String!) {\n    leadFunnel(branchId: $branchId, month: $month) {\n      branchId month created won lost conversion\n      stages { stage reached }\n      lostReasons { reason count }\n    }\n  }\n": typeof types.LeadFunnelDocument,
    "\n  mutation CreateLead($branchId: ID!, $input: LeadInput!) {\n    createLead(branchId: $branchId, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": typeof types.CreateLeadDocument,
    "\n  mutation UpdateLead($leadId: ID!, $expectedRevision: Int!, $input: LeadInput!) {\n    updateLead(leadId: $leadId, expectedRevision: $expectedRevision, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": typeof types.UpdateLeadDocument,
    "\n  mutation MoveLead($leadId: ID!, $stage: LeadStage!, $expectedRevision: Int!, $lostReason: String) {\n    moveLead(leadId: $leadId, stage: $stage, expectedRevision: $expectedRevision, lostReason: $lostReason) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": typeof types.MoveLeadDocument,
    "\n  mutation WinLead($input: WinLeadInput!) {\n    winLead(input: $input) {\n      status confirmationSent\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": typeof types.WinLeadDocument,
    "\n  query AdminFrame {\n    me { role staffId branchIds staff { id firstName lastName } }\n    branches { id name city timeZone }\n  }\n": typeof types.AdminFrameDocument,
    "\n  query BranchGroups($branchId: ID!) {\n    groups(branchId: $branchId) { id name courseId price { amount currency } }\n    courses { id name }\n  }\n": typeof types.BranchGroupsDocument,
    "\n  fragment MonthLessonFields on Lesson {\n    id startsAt endsAt localDate status published kind groupId\n    price { amount currency }\n    participants { studentId reason price { amount currency } }\n  }\n": typeof types.MonthLessonFieldsFragmentDoc,
    "\n  query GroupMonth($filter: LessonsFilter!) {\n    lessons(filter: $filter, first: 200) {\n      totalCount\n      edges { node { ...MonthLessonFields } }\n    }\n  }\n": typeof types.GroupMonthDocument,
    "\n  mutation GenerateMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    generateMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      created existing\n      conflicts { localDate code message }\n      errors { code message field }\n    }\n  }\n": typeof types.GenerateMonthDocument,
    "\n  mutation PublishMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    publishMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      published participants\n      errors { code message field }\n    }\n  }\n": typeof types.PublishMonthDocument,
    "\n  query BranchFamilies($branchId: ID!, $after: String) {\n    branchFamilies(branchId: $branchId, first: 100, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id guardianPhone guardians { id firstName lastName } students { id firstName lastName } } }\n    }\n  }\n": typeof types.BranchFamiliesDocument,
    "\n  query ClientCard($familyId: ID!, $from: DateTime!, $to: DateTime!) {\n    family(id: $familyId) {\n      id guardianPhone accessOpen\n      guardians { id firstName lastName phone email isPayer }\n      students { id firstName lastName birthDate branchId erased }\n      account { balance { amount currency } creditLimit { amount currency } inDebt }\n      subscriptions {\n        id studentId name lessonsTotal lessonsLeft validFrom validUntil status trial onCredit\n        price { amount currency }\n      }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt periodFrom periodTo }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt localDate branchId groupId kind status participants { studentId familyId reason } } }\n      }\n    }\n    groups { id name branchId memberships { id groupId studentId familyId startsOn endsOn reason transferredTo } }\n    branches { id name timeZone }\n  }\n": typeof types.ClientCardDocument,
    "\n  mutation SetDraftLessonPrice($lessonId: ID!, $price: Decimal!) {\n    setDraftLessonPrice(lessonId: $lessonId, price: $price) {\n      lesson { ...MonthLessonFields }\n      errors { code message field }\n    }\n  }\n": typeof types.SetDraftLessonPriceDocument,
    "\n  mutation RequestSignInCode($phone: String!) {\n    requestSignInCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n": typeof types.RequestSignInCodeDocument,
    "\n  mutation SignInWithCode($phone: String!, $code: String!) {\n    signInWithCode(phone: $phone, code: $code) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n": typeof types.SignInWithCodeDocument,
    "\n  mutation SignInWithPassword($login: String!, $password: String!) {\n    signInWithPassword(login: $login, password: $password) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n    }\n  }\n": typeof types.SignInWithPasswordDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message }\n    }\n  }\n": typeof types.RefreshSessionDocument,
    "\n  mutation SignOut($refreshToken: String!) {\n    signOut(refreshToken: $refreshToken) { ok errors { code message } }\n  }\n": typeof types.SignOutDocument,
    "\n  query BookingOptions($studentId: ID!, $branchId: ID!, $from: DateTime!, $to: DateTime!) {\n    bookableLessons(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType kind placesLeft price { amount currency } group { id name }\n      participants { studentId }\n    }\n    openSlots(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType booked teacherId price { amount currency }\n    }\n    student(id: $studentId) {\n      id\n      bookings { id lessonId status late createdAt lesson { id startsAt endsAt lessonType kind cancellableUntil } }\n    }\n  }\n": typeof types.BookingOptionsDocument,
    "\n  mutation BookPlace($lessonId: ID!, $studentId: ID!, $key: String) {\n    bookPlace(lessonId: $lessonId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n": typeof types.BookPlaceDocument,
    "\n  mutation BookSlot($slotId: ID!, $studentId: ID!, $key: String) {\n    bookSlot(slotId: $slotId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n": typeof types.BookSlotDocument,
    "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) { booking { id status late } errors { code message } }\n  }\n": typeof types.CancelBookingDocument,
    "\n  fragment FamilyFrame on Family {\n    id\n    accessOpen\n    remainingLessons\n    account { id balance { amount currency } inDebt }\n    trial { studentId usedAt }\n    students {\n      id firstName lastName birthDate erased consentRecorded upcomingLessonsCount\n      branch { id name timeZone address city }\n    }\n  }\n": typeof types.FamilyFrameFragmentDoc,
    "\n  subscription FamilyActivity($familyId: ID!) {\n    familyActivity(familyId: $familyId) {\n      balance { familyId balance { amount currency } occurredAt }\n      grade { lessonId studentId grade occurredAt }\n      homework { lessonId studentId occurredAt }\n    }\n  }\n": typeof types.FamilyActivityDocument,
    "\n  fragment ChildHomeFields on Student {\n      id\n      familyRemainingLessons\n      remainingLessons\n      familyBalance { amount currency }\n      lessons(from: $from, to: $to, first: 5) {\n        edges { node { id startsAt endsAt status lessonType kind group { id name } } }\n      }\n      pastLessons(first: 5) {\n        edges { node { lessonId startsAt grade attendance comment filled } }\n      }\n      homework(status: OPEN) { lessonId text dueAt status }\n  }\n": typeof types.ChildHomeFieldsFragmentDoc,
    "\n  query ChildLessons($studentId: ID!, $from: DateTime!, $to: DateTime!) {\n    student(id: $studentId) {\n      id\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt endsAt localDate status lessonType kind group { id name } } }\n      }\n    }\n  }\n": typeof types.ChildLessonsDocument,
    "\n  query LessonPage($lessonId: ID!, $studentId: ID!) {\n    lesson(id: $lessonId) {\n      id startsAt endsAt status lessonType kind teacherId cancelReason cancellableUntil\n      room { id name }\n      price { amount currency }\n      group { id name }\n      participants { studentId reason }\n      sheet {\n        summary homework filled\n        students { studentId onLesson attendance homeworkDone grade comment }\n      }\n    }\n    student(id: $studentId) { id firstName }\n  }\n": typeof types.LessonPageDocument,
    "\n  query TeacherName($id: ID!) {\n    staff(id: $id) { id firstName lastName }\n  }\n": typeof types.TeacherNameDocument,
    "\n  mutation IssueCalendarFeed($studentId: ID!) {\n    issueCalendarFeed(studentId: $studentId) { feed { id url } errors { code message } }\n  }\n": typeof types.IssueCalendarFeedDocument,
    "\n  subscription LessonChanged($studentId: ID!) {\n    lessonChanged(studentId: $studentId) { kind lessonId studentId occurredAt }\n  }\n": typeof types.LessonChangedDocument,
    "\n  fragment StatementLineFields on StatementLine {\n    id at kind description debt lessonsDelta\n    amount { amount currency }\n    balanceAfter { amount currency }\n    studentId lessonId subscriptionId paymentId invoiceId reversesId\n    discount { name amount { amount currency } }\n  }\n": typeof types.StatementLineFieldsFragmentDoc,
    "\n  query FamilyMoney {\n    myFamily {\n      id\n      remainingLessons\n      account { id balance { amount currency } inDebt creditLimit { amount currency } }\n      statement(first: 50, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n    }\n  }\n": typeof types.FamilyMoneyDocument,
    "\n  query StatementPage($after: String!) {\n    myFamily {\n      id\n      statement(first: 50, after: $after, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": typeof types.StatementPageDocument,
    "\n  mutation StartOnlinePayment($input: StartOnlinePaymentInput!) {\n    startOnlinePayment(input: $input) {\n      checkout { providerPaymentId confirmationUrl }\n      errors { code message field }\n    }\n  }\n": typeof types.StartOnlinePaymentDocument,
    "\n  fragment NotificationFields on Notification { id kind subject text createdAt read studentIds lessonId leadId questionId }\n": typeof types.NotificationFieldsFragmentDoc,
    "\n  query Notifications($first: Int!, $after: String) {\n    myNotifications(first: $first, after: $after) {\n      items { ...NotificationFields }\n      unreadCount\n      nextCursor\n    }\n  }\n": typeof types.NotificationsDocument,
    "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids) { unreadCount errors { code message field } }\n  }\n": typeof types.MarkNotificationsReadDocument,
    "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language cabinet email sms telegram telegramLinked telegramAvailable quietFrom quietTo\n    webPushAvailable webPushPublicKey\n  }\n": typeof types.NotificationPreferencesFieldsFragmentDoc,
    "\n  query NotificationPreferences {\n    notificationPreferences { ...NotificationPreferencesFields }\n  }\n": typeof types.NotificationPreferencesDocument,
    "\n  mutation SetNotificationPreferences($input: NotificationPreferencesInput!) {\n    setNotificationPreferences(input: $input) {\n      preferences { ...NotificationPreferencesFields }\n      errors { code message field }\n    }\n  }\n": typeof types.SetNotificationPreferencesDocument,
    "\n  mutation LinkMessenger {\n    linkMessenger { link { code link expiresAt } errors { code message field } }\n  }\n": typeof types.LinkMessengerDocument,
    "\n  mutation UnlinkMessenger {\n    unlinkMessenger { linked errors { code message field } }\n  }\n": typeof types.UnlinkMessengerDocument,
    "\n  mutation RegisterWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {\n    registerWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) { subscriptions errors { code message field } }\n  }\n": typeof types.RegisterWebPushDocument,
    "\n  mutation UnregisterWebPush($endpoint: String!) {\n    unregisterWebPush(endpoint: $endpoint) { subscriptions errors { code message field } }\n  }\n": typeof types.UnregisterWebPushDocument,
    "\n  query UnreadNotifications {\n    myNotifications(first: 1) { unreadCount }\n  }\n": typeof types.UnreadNotificationsDocument,
    "\n  mutation EraseStudent($studentId: ID!) {\n    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }\n  }\n": typeof types.EraseStudentDocument,
    "\n  mutation SetChildConsent($studentId: ID!, $given: Boolean!) {\n    setChildConsent(studentId: $studentId, given: $given) {\n      student { id consentRecorded } errors { code message }\n    }\n  }\n": typeof types.SetChildConsentDocument,
    "\n  query ChildProgress($studentId: ID!, $from: DateTime!) {\n    student(id: $studentId) {\n      id\n      progress(from: $from) {\n        courseId gradeScale\n        current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion grades }\n        trend { attendanceRate averageGrade homeworkCompletion }\n      }\n      pastLessons(first: 60) {\n        edges { node { lessonId startsAt grade attendance homeworkDone filled } }\n      }\n    }\n    courses { id name }\n  }\n": typeof types.ChildProgressDocument,
    "\n  query Questions {\n    myQuestions { id studentId topic text status askedAt dueAt answer answeredAt overdue }\n    questionTopics { code title responseHours responseWorkingDays }\n  }\n": typeof types.QuestionsDocument,
    "\n  mutation AskQuestion($input: AskQuestionInput!) {\n    askQuestion(input: $input) { question { id status dueAt } errors { code message field } }\n  }\n": typeof types.AskQuestionDocument,
    "\n  mutation RequestRegistrationCode($phone: String!) {\n    requestRegistrationCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n": typeof types.RequestRegistrationCodeDocument,
    "\n  mutation CompleteRegistration($input: CompleteRegistrationInput!) {\n    completeRegistration(input: $input) {\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n": typeof types.CompleteRegistrationDocument,
    "\n  mutation ConfirmEmail($token: String!) {\n    confirmEmail(token: $token) { ok errors { code message } }\n  }\n": typeof types.ConfirmEmailDocument,
    "\n  mutation AddChild($input: AddChildInput!) {\n    addChild(input: $input) { student { id firstName } errors { code message field } }\n  }\n": typeof types.AddChildDocument,
    "\n  mutation LinkRecords($input: LinkRecordsInput!) {\n    linkRecords(input: $input) {\n      status\n      confirmation { id expiresAt }\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n": typeof types.LinkRecordsDocument,
    "\n  mutation ConfirmLinkRecords($confirmationId: ID!, $code: String!) {\n    confirmLinkRecords(confirmationId: $confirmationId, code: $code) {\n      status\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n": typeof types.ConfirmLinkRecordsDocument,
    "\n  query Branches {\n    branches { id name city }\n  }\n": typeof types.BranchesDocument,
    "\n  fragment TeacherLessonFields on Lesson {\n    id startsAt endsAt status kind lessonType branchId courseId\n    group { id name }\n    room { id name }\n  }\n": typeof types.TeacherLessonFieldsFragmentDoc,
    "\n  query TeacherHome($from: DateTime!, $to: DateTime!) {\n    me {\n      staffId\n      staff {\n        id firstName lastName\n        lessons(from: $from, to: $to, first: 200) { edges { node { ...TeacherLessonFields } } }\n      }\n    }\n    unfilledSheets(first: 50) { ...TeacherLessonFields }\n    branches { id name timeZone }\n    courses { id name }\n  }\n": typeof types.TeacherHomeDocument,
    "\n  fragment SheetFields on LessonSheet {\n    lessonId summary homework revision filled updatedAt gradeScale\n    students {\n      studentId reason onLesson attendance homeworkDone grade comment\n      student { id firstName lastName }\n    }\n  }\n": typeof types.SheetFieldsFragmentDoc,
    "\n  query TeacherLesson($lessonId: ID!) {\n    lesson(id: $lessonId) {\n      ...TeacherLessonFields\n      sheet { ...SheetFields }\n    }\n    branches { id name timeZone }\n    courses { id name }\n  }\n": typeof types.TeacherLessonDocument,
    "\n  mutation SaveLessonSheet($input: SaveLessonSheetInput!) {\n    saveLessonSheet(input: $input) {\n      sheet { ...SheetFields }\n      errors { code message field }\n    }\n  }\n": typeof types.SaveLessonSheetDocument,
};
const documents: Documents = {
    "\n  query Cabinet($studentId: ID!, $withHome: Boolean!, $from: DateTime!, $to: DateTime!) {\n    myFamily { ...FamilyFrame }\n    student(id: $studentId) @include(if: $withHome) { ...ChildHomeFields }\n  }\n": types.CabinetDocument,
    "\n  fragment LeadFields on Lead {\n    id branchId stage revision\n    contactFirstName contactLastName phone email\n    childFirstName childLastName childBirthDate childAge\n    interest source sourceDetail assignedStaffId notes lostReason\n    familyId studentId createdAt updatedAt\n  }\n": types.LeadFieldsFragmentDoc,
    "\n  query BranchLeads($branchId: ID!, $stage: LeadStage, $search: String, $first: Int!, $after: String) {\n    branchLeads(branchId: $branchId, stage: $stage, search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...LeadFields } }\n    }\n  }\n": types.BranchLeadsDocument,
    "\n  query LeadStaff($branchId: ID!) {\n    staffMembers(branchId: $branchId) { id firstName lastName role }\n  }\n": types.LeadStaffDocument,
    "\n  query LeadCard($id: ID!) {\n    lead(id: $id) {\n      ...LeadFields\n      history { at by fromStage toStage note }\n    }\n  }\n": types.LeadCardDocument,
    "\n  query LeadFunnel($branchId: ID!, $month: String!) {\n    leadFunnel(branchId: $branchId, month: $month) {\n      branchId month created won lost conversion\n      stages { stage reached }\n      lostReasons { reason count }\n    }\n  }\n": types.LeadFunnelDocument,
    "\n  mutation CreateLead($branchId: ID!, $input: LeadInput!) {\n    createLead(branchId: $branchId, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": types.CreateLeadDocument,
    "\n  mutation UpdateLead($leadId: ID!, $expectedRevision: Int!, $input: LeadInput!) {\n    updateLead(leadId: $leadId, expectedRevision: $expectedRevision, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": types.UpdateLeadDocument,
    "\n  mutation MoveLead($leadId: ID!, $stage: LeadStage!, $expectedRevision: Int!, $lostReason: String) {\n    moveLead(leadId: $leadId, stage: $stage, expectedRevision: $expectedRevision, lostReason: $lostReason) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": types.MoveLeadDocument,
    "\n  mutation WinLead($input: WinLeadInput!) {\n    winLead(input: $input) {\n      status confirmationSent\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n": types.WinLeadDocument,
    "\n  query AdminFrame {\n    me { role staffId branchIds staff { id firstName lastName } }\n    branches { id name city timeZone }\n  }\n": types.AdminFrameDocument,
    "\n  query BranchGroups($branchId: ID!) {\n    groups(branchId: $branchId) { id name courseId price { amount currency } }\n    courses { id name }\n  }\n": types.BranchGroupsDocument,
    "\n  fragment MonthLessonFields on Lesson {\n    id startsAt endsAt localDate status published kind groupId\n    price { amount currency }\n    participants { studentId reason price { amount currency } }\n  }\n": types.MonthLessonFieldsFragmentDoc,
    "\n  query GroupMonth($filter: LessonsFilter!) {\n    lessons(filter: $filter, first: 200) {\n      totalCount\n      edges { node { ...MonthLessonFields } }\n    }\n  }\n": types.GroupMonthDocument,
    "\n  mutation GenerateMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    generateMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      created existing\n      conflicts { localDate code message }\n      errors { code message field }\n    }\n  }\n": types.GenerateMonthDocument,
    "\n  mutation PublishMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    publishMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      published participants\n      errors { code message field }\n    }\n  }\n": types.PublishMonthDocument,
    "\n  query BranchFamilies($branchId: ID!, $after: String) {\n    branchFamilies(branchId: $branchId, first: 100, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id guardianPhone guardians { id firstName lastName } students { id firstName lastName } } }\n    }\n  }\n": types.BranchFamiliesDocument,
    "\n  query ClientCard($familyId: ID!, $from: DateTime!, $to: DateTime!) {\n    family(id: $familyId) {\n      id guardianPhone accessOpen\n      guardians { id firstName lastName phone email isPayer }\n      students { id firstName lastName birthDate branchId erased }\n      account { balance { amount currency } creditLimit { amount currency } inDebt }\n      subscriptions {\n        id studentId name lessonsTotal lessonsLeft validFrom validUntil status trial onCredit\n        price { amount currency }\n      }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt periodFrom periodTo }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt localDate branchId groupId kind status participants { studentId familyId reason } } }\n      }\n    }\n    groups { id name branchId memberships { id groupId studentId familyId startsOn endsOn reason transferredTo } }\n    branches { id name timeZone }\n  }\n": types.ClientCardDocument,
    "\n  mutation SetDraftLessonPrice($lessonId: ID!, $price: Decimal!) {\n    setDraftLessonPrice(lessonId: $lessonId, price: $price) {\n      lesson { ...MonthLessonFields }\n      errors { code message field }\n    }\n  }\n": types.SetDraftLessonPriceDocument,
    "\n  mutation RequestSignInCode($phone: String!) {\n    requestSignInCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n": types.RequestSignInCodeDocument,
    "\n  mutation SignInWithCode($phone: String!, $code: String!) {\n    signInWithCode(phone: $phone, code: $code) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n": types.SignInWithCodeDocument,
    "\n  mutation SignInWithPassword($login: String!, $password: String!) {\n    signInWithPassword(login: $login, password: $password) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n    }\n  }\n": types.SignInWithPasswordDocument,
    "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message }\n    }\n  }\n": types.RefreshSessionDocument,
    "\n  mutation SignOut($refreshToken: String!) {\n    signOut(refreshToken: $refreshToken) { ok errors { code message } }\n  }\n": types.SignOutDocument,
    "\n  query BookingOptions($studentId: ID!, $branchId: ID!, $from: DateTime!, $to: DateTime!) {\n    bookableLessons(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType kind placesLeft price { amount currency } group { id name }\n      participants { studentId }\n    }\n    openSlots(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType booked teacherId price { amount currency }\n    }\n    student(id: $studentId) {\n      id\n      bookings { id lessonId status late createdAt lesson { id startsAt endsAt lessonType kind cancellableUntil } }\n    }\n  }\n": types.BookingOptionsDocument,
    "\n  mutation BookPlace($lessonId: ID!, $studentId: ID!, $key: String) {\n    bookPlace(lessonId: $lessonId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n": types.BookPlaceDocument,
    "\n  mutation BookSlot($slotId: ID!, $studentId: ID!, $key: String) {\n    bookSlot(slotId: $slotId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n": types.BookSlotDocument,
    "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) { booking { id status late } errors { code message } }\n  }\n": types.CancelBookingDocument,
    "\n  fragment FamilyFrame on Family {\n    id\n    accessOpen\n    remainingLessons\n    account { id balance { amount currency } inDebt }\n    trial { studentId usedAt }\n    students {\n      id firstName lastName birthDate erased consentRecorded upcomingLessonsCount\n      branch { id name timeZone address city }\n    }\n  }\n": types.FamilyFrameFragmentDoc,
    "\n  subscription FamilyActivity($familyId: ID!) {\n    familyActivity(familyId: $familyId) {\n      balance { familyId balance { amount currency } occurredAt }\n      grade { lessonId studentId grade occurredAt }\n      homework { lessonId studentId occurredAt }\n    }\n  }\n": types.FamilyActivityDocument,
    "\n  fragment ChildHomeFields on Student {\n      id\n      familyRemainingLessons\n      remainingLessons\n      familyBalance { amount currency }\n      lessons(from: $from, to: $to, first: 5) {\n        edges { node { id startsAt endsAt status lessonType kind group { id name } } }\n      }\n      pastLessons(first: 5) {\n        edges { node { lessonId startsAt grade attendance comment filled } }\n      }\n      homework(status: OPEN) { lessonId text dueAt status }\n  }\n": types.ChildHomeFieldsFragmentDoc,
    "\n  query ChildLessons($studentId: ID!, $from: DateTime!, $to: DateTime!) {\n    student(id: $studentId) {\n      id\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt endsAt localDate status lessonType kind group { id name } } }\n      }\n    }\n  }\n": types.ChildLessonsDocument,
    "\n  query LessonPage($lessonId: ID!, $studentId: ID!) {\n    lesson(id: $lessonId) {\n      id startsAt endsAt status lessonType kind teacherId cancelReason cancellableUntil\n      room { id name }\n      price { amount currency }\n      group { id name }\n      participants { studentId reason }\n      sheet {\n        summary homework filled\n        students { studentId onLesson attendance homeworkDone grade comment }\n      }\n    }\n    student(id: $studentId) { id firstName }\n  }\n": types.LessonPageDocument,
    "\n  query TeacherName($id: ID!) {\n    staff(id: $id) { id firstName lastName }\n  }\n": types.TeacherNameDocument,
    "\n  mutation IssueCalendarFeed($studentId: ID!) {\n    issueCalendarFeed(studentId: $studentId) { feed { id url } errors { code message } }\n  }\n": types.IssueCalendarFeedDocument,
    "\n  subscription LessonChanged($studentId: ID!) {\n    lessonChanged(studentId: $studentId) { kind lessonId studentId occurredAt }\n  }\n": types.LessonChangedDocument,
    "\n  fragment StatementLineFields on StatementLine {\n    id at kind description debt lessonsDelta\n    amount { amount currency }\n    balanceAfter { amount currency }\n    studentId lessonId subscriptionId paymentId invoiceId reversesId\n    discount { name amount { amount currency } }\n  }\n": types.StatementLineFieldsFragmentDoc,
    "\n  query FamilyMoney {\n    myFamily {\n      id\n      remainingLessons\n      account { id balance { amount currency } inDebt creditLimit { amount currency } }\n      statement(first: 50, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n    }\n  }\n": types.FamilyMoneyDocument,
    "\n  query StatementPage($after: String!) {\n    myFamily {\n      id\n      statement(first: 50, after: $after, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n": types.StatementPageDocument,
    "\n  mutation StartOnlinePayment($input: StartOnlinePaymentInput!) {\n    startOnlinePayment(input: $input) {\n      checkout { providerPaymentId confirmationUrl }\n      errors { code message field }\n    }\n  }\n": types.StartOnlinePaymentDocument,
    "\n  fragment NotificationFields on Notification { id kind subject text createdAt read studentIds lessonId leadId questionId }\n": types.NotificationFieldsFragmentDoc,
    "\n  query Notifications($first: Int!, $after: String) {\n    myNotifications(first: $first, after: $after) {\n      items { ...NotificationFields }\n      unreadCount\n      nextCursor\n    }\n  }\n": types.NotificationsDocument,
    "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids) { unreadCount errors { code message field } }\n  }\n": types.MarkNotificationsReadDocument,
    "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language cabinet email sms telegram telegramLinked telegramAvailable quietFrom quietTo\n    webPushAvailable webPushPublicKey\n  }\n": types.NotificationPreferencesFieldsFragmentDoc,
    "\n  query NotificationPreferences {\n    notificationPreferences { ...NotificationPreferencesFields }\n  }\n": types.NotificationPreferencesDocument,
    "\n  mutation SetNotificationPreferences($input: NotificationPreferencesInput!) {\n    setNotificationPreferences(input: $input) {\n      preferences { ...NotificationPreferencesFields }\n      errors { code message field }\n    }\n  }\n": types.SetNotificationPreferencesDocument,
    "\n  mutation LinkMessenger {\n    linkMessenger { link { code link expiresAt } errors { code message field } }\n  }\n": types.LinkMessengerDocument,
    "\n  mutation UnlinkMessenger {\n    unlinkMessenger { linked errors { code message field } }\n  }\n": types.UnlinkMessengerDocument,
    "\n  mutation RegisterWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {\n    registerWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) { subscriptions errors { code message field } }\n  }\n": types.RegisterWebPushDocument,
    "\n  mutation UnregisterWebPush($endpoint: String!) {\n    unregisterWebPush(endpoint: $endpoint) { subscriptions errors { code message field } }\n  }\n": types.UnregisterWebPushDocument,
    "\n  query UnreadNotifications {\n    myNotifications(first: 1) { unreadCount }\n  }\n": types.UnreadNotificationsDocument,
    "\n  mutation EraseStudent($studentId: ID!) {\n    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }\n  }\n": types.EraseStudentDocument,
    "\n  mutation SetChildConsent($studentId: ID!, $given: Boolean!) {\n    setChildConsent(studentId: $studentId, given: $given) {\n      student { id consentRecorded } errors { code message }\n    }\n  }\n": types.SetChildConsentDocument,
    "\n  query ChildProgress($studentId: ID!, $from: DateTime!) {\n    student(id: $studentId) {\n      id\n      progress(from: $from) {\n        courseId gradeScale\n        current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion grades }\n        trend { attendanceRate averageGrade homeworkCompletion }\n      }\n      pastLessons(first: 60) {\n        edges { node { lessonId startsAt grade attendance homeworkDone filled } }\n      }\n    }\n    courses { id name }\n  }\n": types.ChildProgressDocument,
    "\n  query Questions {\n    myQuestions { id studentId topic text status askedAt dueAt answer answeredAt overdue }\n    questionTopics { code title responseHours responseWorkingDays }\n  }\n": types.QuestionsDocument,
    "\n  mutation AskQuestion($input: AskQuestionInput!) {\n    askQuestion(input: $input) { question { id status dueAt } errors { code message field } }\n  }\n": types.AskQuestionDocument,
    "\n  mutation RequestRegistrationCode($phone: String!) {\n    requestRegistrationCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n": types.RequestRegistrationCodeDocument,
    "\n  mutation CompleteRegistration($input: CompleteRegistrationInput!) {\n    completeRegistration(input: $input) {\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n": types.CompleteRegistrationDocument,
    "\n  mutation ConfirmEmail($token: String!) {\n    confirmEmail(token: $token) { ok errors { code message } }\n  }\n": types.ConfirmEmailDocument,
    "\n  mutation AddChild($input: AddChildInput!) {\n    addChild(input: $input) { student { id firstName } errors { code message field } }\n  }\n": types.AddChildDocument,
    "\n  mutation LinkRecords($input: LinkRecordsInput!) {\n    linkRecords(input: $input) {\n      status\n      confirmation { id expiresAt }\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n": types.LinkRecordsDocument,
    "\n  mutation ConfirmLinkRecords($confirmationId: ID!, $code: String!) {\n    confirmLinkRecords(confirmationId: $confirmationId, code: $code) {\n      status\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n": types.ConfirmLinkRecordsDocument,
    "\n  query Branches {\n    branches { id name city }\n  }\n": types.BranchesDocument,
    "\n  fragment TeacherLessonFields on Lesson {\n    id startsAt endsAt status kind lessonType branchId courseId\n    group { id name }\n    room { id name }\n  }\n": types.TeacherLessonFieldsFragmentDoc,
    "\n  query TeacherHome($from: DateTime!, $to: DateTime!) {\n    me {\n      staffId\n      staff {\n        id firstName lastName\n        lessons(from: $from, to: $to, first: 200) { edges { node { ...TeacherLessonFields } } }\n      }\n    }\n    unfilledSheets(first: 50) { ...TeacherLessonFields }\n    branches { id name timeZone }\n    courses { id name }\n  }\n": types.TeacherHomeDocument,
    "\n  fragment SheetFields on LessonSheet {\n    lessonId summary homework revision filled updatedAt gradeScale\n    students {\n      studentId reason onLesson attendance homeworkDone grade comment\n      student { id firstName lastName }\n    }\n  }\n": types.SheetFieldsFragmentDoc,
    "\n  query TeacherLesson($lessonId: ID!) {\n    lesson(id: $lessonId) {\n      ...TeacherLessonFields\n      sheet { ...SheetFields }\n    }\n    branches { id name timeZone }\n    courses { id name }\n  }\n": types.TeacherLessonDocument,
    "\n  mutation SaveLessonSheet($input: SaveLessonSheetInput!) {\n    saveLessonSheet(input: $input) {\n      sheet { ...SheetFields }\n      errors { code message field }\n    }\n  }\n": types.SaveLessonSheetDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Cabinet($studentId: ID!, $withHome: Boolean!, $from: DateTime!, $to: DateTime!) {\n    myFamily { ...FamilyFrame }\n    student(id: $studentId) @include(if: $withHome) { ...ChildHomeFields }\n  }\n"): (typeof documents)["\n  query Cabinet($studentId: ID!, $withHome: Boolean!, $from: DateTime!, $to: DateTime!) {\n    myFamily { ...FamilyFrame }\n    student(id: $studentId) @include(if: $withHome) { ...ChildHomeFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LeadFields on Lead {\n    id branchId stage revision\n    contactFirstName contactLastName phone email\n    childFirstName childLastName childBirthDate childAge\n    interest source sourceDetail assignedStaffId notes lostReason\n    familyId studentId createdAt updatedAt\n  }\n"): (typeof documents)["\n  fragment LeadFields on Lead {\n    id branchId stage revision\n    contactFirstName contactLastName phone email\n    childFirstName childLastName childBirthDate childAge\n    interest source sourceDetail assignedStaffId notes lostReason\n    familyId studentId createdAt updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BranchLeads($branchId: ID!, $stage: LeadStage, $search: String, $first: Int!, $after: String) {\n    branchLeads(branchId: $branchId, stage: $stage, search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...LeadFields } }\n    }\n  }\n"): (typeof documents)["\n  query BranchLeads($branchId: ID!, $stage: LeadStage, $search: String, $first: Int!, $after: String) {\n    branchLeads(branchId: $branchId, stage: $stage, search: $search, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { ...LeadFields } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadStaff($branchId: ID!) {\n    staffMembers(branchId: $branchId) { id firstName lastName role }\n  }\n"): (typeof documents)["\n  query LeadStaff($branchId: ID!) {\n    staffMembers(branchId: $branchId) { id firstName lastName role }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadCard($id: ID!) {\n    lead(id: $id) {\n      ...LeadFields\n      history { at by fromStage toStage note }\n    }\n  }\n"): (typeof documents)["\n  query LeadCard($id: ID!) {\n    lead(id: $id) {\n      ...LeadFields\n      history { at by fromStage toStage note }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LeadFunnel($branchId: ID!, $month: String!) {\n    leadFunnel(branchId: $branchId, month: $month) {\n      branchId month created won lost conversion\n      stages { stage reached }\n      lostReasons { reason count }\n    }\n  }\n"): (typeof documents)["\n  query LeadFunnel($branchId: ID!, $month: String!) {\n    leadFunnel(branchId: $branchId, month: $month) {\n      branchId month created won lost conversion\n      stages { stage reached }\n      lostReasons { reason count }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateLead($branchId: ID!, $input: LeadInput!) {\n    createLead(branchId: $branchId, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateLead($branchId: ID!, $input: LeadInput!) {\n    createLead(branchId: $branchId, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateLead($leadId: ID!, $expectedRevision: Int!, $input: LeadInput!) {\n    updateLead(leadId: $leadId, expectedRevision: $expectedRevision, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateLead($leadId: ID!, $expectedRevision: Int!, $input: LeadInput!) {\n    updateLead(leadId: $leadId, expectedRevision: $expectedRevision, input: $input) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MoveLead($leadId: ID!, $stage: LeadStage!, $expectedRevision: Int!, $lostReason: String) {\n    moveLead(leadId: $leadId, stage: $stage, expectedRevision: $expectedRevision, lostReason: $lostReason) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation MoveLead($leadId: ID!, $stage: LeadStage!, $expectedRevision: Int!, $lostReason: String) {\n    moveLead(leadId: $leadId, stage: $stage, expectedRevision: $expectedRevision, lostReason: $lostReason) {\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation WinLead($input: WinLeadInput!) {\n    winLead(input: $input) {\n      status confirmationSent\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation WinLead($input: WinLeadInput!) {\n    winLead(input: $input) {\n      status confirmationSent\n      lead { ...LeadFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AdminFrame {\n    me { role staffId branchIds staff { id firstName lastName } }\n    branches { id name city timeZone }\n  }\n"): (typeof documents)["\n  query AdminFrame {\n    me { role staffId branchIds staff { id firstName lastName } }\n    branches { id name city timeZone }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BranchGroups($branchId: ID!) {\n    groups(branchId: $branchId) { id name courseId price { amount currency } }\n    courses { id name }\n  }\n"): (typeof documents)["\n  query BranchGroups($branchId: ID!) {\n    groups(branchId: $branchId) { id name courseId price { amount currency } }\n    courses { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MonthLessonFields on Lesson {\n    id startsAt endsAt localDate status published kind groupId\n    price { amount currency }\n    participants { studentId reason price { amount currency } }\n  }\n"): (typeof documents)["\n  fragment MonthLessonFields on Lesson {\n    id startsAt endsAt localDate status published kind groupId\n    price { amount currency }\n    participants { studentId reason price { amount currency } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GroupMonth($filter: LessonsFilter!) {\n    lessons(filter: $filter, first: 200) {\n      totalCount\n      edges { node { ...MonthLessonFields } }\n    }\n  }\n"): (typeof documents)["\n  query GroupMonth($filter: LessonsFilter!) {\n    lessons(filter: $filter, first: 200) {\n      totalCount\n      edges { node { ...MonthLessonFields } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation GenerateMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    generateMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      created existing\n      conflicts { localDate code message }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation GenerateMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    generateMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      created existing\n      conflicts { localDate code message }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PublishMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    publishMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      published participants\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation PublishMonth($branchId: ID!, $month: String!, $groupId: ID) {\n    publishMonth(branchId: $branchId, month: $month, groupId: $groupId) {\n      published participants\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BranchFamilies($branchId: ID!, $after: String) {\n    branchFamilies(branchId: $branchId, first: 100, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id guardianPhone guardians { id firstName lastName } students { id firstName lastName } } }\n    }\n  }\n"): (typeof documents)["\n  query BranchFamilies($branchId: ID!, $after: String) {\n    branchFamilies(branchId: $branchId, first: 100, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { id guardianPhone guardians { id firstName lastName } students { id firstName lastName } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientCard($familyId: ID!, $from: DateTime!, $to: DateTime!) {\n    family(id: $familyId) {\n      id guardianPhone accessOpen\n      guardians { id firstName lastName phone email isPayer }\n      students { id firstName lastName birthDate branchId erased }\n      account { balance { amount currency } creditLimit { amount currency } inDebt }\n      subscriptions {\n        id studentId name lessonsTotal lessonsLeft validFrom validUntil status trial onCredit\n        price { amount currency }\n      }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt periodFrom periodTo }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt localDate branchId groupId kind status participants { studentId familyId reason } } }\n      }\n    }\n    groups { id name branchId memberships { id groupId studentId familyId startsOn endsOn reason transferredTo } }\n    branches { id name timeZone }\n  }\n"): (typeof documents)["\n  query ClientCard($familyId: ID!, $from: DateTime!, $to: DateTime!) {\n    family(id: $familyId) {\n      id guardianPhone accessOpen\n      guardians { id firstName lastName phone email isPayer }\n      students { id firstName lastName birthDate branchId erased }\n      account { balance { amount currency } creditLimit { amount currency } inDebt }\n      subscriptions {\n        id studentId name lessonsTotal lessonsLeft validFrom validUntil status trial onCredit\n        price { amount currency }\n      }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt periodFrom periodTo }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt localDate branchId groupId kind status participants { studentId familyId reason } } }\n      }\n    }\n    groups { id name branchId memberships { id groupId studentId familyId startsOn endsOn reason transferredTo } }\n    branches { id name timeZone }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDraftLessonPrice($lessonId: ID!, $price: Decimal!) {\n    setDraftLessonPrice(lessonId: $lessonId, price: $price) {\n      lesson { ...MonthLessonFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation SetDraftLessonPrice($lessonId: ID!, $price: Decimal!) {\n    setDraftLessonPrice(lessonId: $lessonId, price: $price) {\n      lesson { ...MonthLessonFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestSignInCode($phone: String!) {\n    requestSignInCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation RequestSignInCode($phone: String!) {\n    requestSignInCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignInWithCode($phone: String!, $code: String!) {\n    signInWithCode(phone: $phone, code: $code) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n"): (typeof documents)["\n  mutation SignInWithCode($phone: String!, $code: String!) {\n    signInWithCode(phone: $phone, code: $code) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignInWithPassword($login: String!, $password: String!) {\n    signInWithPassword(login: $login, password: $password) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation SignInWithPassword($login: String!, $password: String!) {\n    signInWithPassword(login: $login, password: $password) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshSession($refreshToken: String!) {\n    refreshSession(refreshToken: $refreshToken) {\n      session { accessToken refreshToken expiresIn role familyId staffId studentIds }\n      errors { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut($refreshToken: String!) {\n    signOut(refreshToken: $refreshToken) { ok errors { code message } }\n  }\n"): (typeof documents)["\n  mutation SignOut($refreshToken: String!) {\n    signOut(refreshToken: $refreshToken) { ok errors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BookingOptions($studentId: ID!, $branchId: ID!, $from: DateTime!, $to: DateTime!) {\n    bookableLessons(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType kind placesLeft price { amount currency } group { id name }\n      participants { studentId }\n    }\n    openSlots(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType booked teacherId price { amount currency }\n    }\n    student(id: $studentId) {\n      id\n      bookings { id lessonId status late createdAt lesson { id startsAt endsAt lessonType kind cancellableUntil } }\n    }\n  }\n"): (typeof documents)["\n  query BookingOptions($studentId: ID!, $branchId: ID!, $from: DateTime!, $to: DateTime!) {\n    bookableLessons(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType kind placesLeft price { amount currency } group { id name }\n      participants { studentId }\n    }\n    openSlots(branchId: $branchId, from: $from, to: $to) {\n      id startsAt endsAt lessonType booked teacherId price { amount currency }\n    }\n    student(id: $studentId) {\n      id\n      bookings { id lessonId status late createdAt lesson { id startsAt endsAt lessonType kind cancellableUntil } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookPlace($lessonId: ID!, $studentId: ID!, $key: String) {\n    bookPlace(lessonId: $lessonId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation BookPlace($lessonId: ID!, $studentId: ID!, $key: String) {\n    bookPlace(lessonId: $lessonId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BookSlot($slotId: ID!, $studentId: ID!, $key: String) {\n    bookSlot(slotId: $slotId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation BookSlot($slotId: ID!, $studentId: ID!, $key: String) {\n    bookSlot(slotId: $slotId, studentId: $studentId, idempotencyKey: $key) {\n      booking { id status lessonId }\n      errors { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) { booking { id status late } errors { code message } }\n  }\n"): (typeof documents)["\n  mutation CancelBooking($bookingId: ID!) {\n    cancelBooking(bookingId: $bookingId) { booking { id status late } errors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment FamilyFrame on Family {\n    id\n    accessOpen\n    remainingLessons\n    account { id balance { amount currency } inDebt }\n    trial { studentId usedAt }\n    students {\n      id firstName lastName birthDate erased consentRecorded upcomingLessonsCount\n      branch { id name timeZone address city }\n    }\n  }\n"): (typeof documents)["\n  fragment FamilyFrame on Family {\n    id\n    accessOpen\n    remainingLessons\n    account { id balance { amount currency } inDebt }\n    trial { studentId usedAt }\n    students {\n      id firstName lastName birthDate erased consentRecorded upcomingLessonsCount\n      branch { id name timeZone address city }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription FamilyActivity($familyId: ID!) {\n    familyActivity(familyId: $familyId) {\n      balance { familyId balance { amount currency } occurredAt }\n      grade { lessonId studentId grade occurredAt }\n      homework { lessonId studentId occurredAt }\n    }\n  }\n"): (typeof documents)["\n  subscription FamilyActivity($familyId: ID!) {\n    familyActivity(familyId: $familyId) {\n      balance { familyId balance { amount currency } occurredAt }\n      grade { lessonId studentId grade occurredAt }\n      homework { lessonId studentId occurredAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ChildHomeFields on Student {\n      id\n      familyRemainingLessons\n      remainingLessons\n      familyBalance { amount currency }\n      lessons(from: $from, to: $to, first: 5) {\n        edges { node { id startsAt endsAt status lessonType kind group { id name } } }\n      }\n      pastLessons(first: 5) {\n        edges { node { lessonId startsAt grade attendance comment filled } }\n      }\n      homework(status: OPEN) { lessonId text dueAt status }\n  }\n"): (typeof documents)["\n  fragment ChildHomeFields on Student {\n      id\n      familyRemainingLessons\n      remainingLessons\n      familyBalance { amount currency }\n      lessons(from: $from, to: $to, first: 5) {\n        edges { node { id startsAt endsAt status lessonType kind group { id name } } }\n      }\n      pastLessons(first: 5) {\n        edges { node { lessonId startsAt grade attendance comment filled } }\n      }\n      homework(status: OPEN) { lessonId text dueAt status }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChildLessons($studentId: ID!, $from: DateTime!, $to: DateTime!) {\n    student(id: $studentId) {\n      id\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt endsAt localDate status lessonType kind group { id name } } }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ChildLessons($studentId: ID!, $from: DateTime!, $to: DateTime!) {\n    student(id: $studentId) {\n      id\n      lessons(from: $from, to: $to, first: 200) {\n        edges { node { id startsAt endsAt localDate status lessonType kind group { id name } } }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LessonPage($lessonId: ID!, $studentId: ID!) {\n    lesson(id: $lessonId) {\n      id startsAt endsAt status lessonType kind teacherId cancelReason cancellableUntil\n      room { id name }\n      price { amount currency }\n      group { id name }\n      participants { studentId reason }\n      sheet {\n        summary homework filled\n        students { studentId onLesson attendance homeworkDone grade comment }\n      }\n    }\n    student(id: $studentId) { id firstName }\n  }\n"): (typeof documents)["\n  query LessonPage($lessonId: ID!, $studentId: ID!) {\n    lesson(id: $lessonId) {\n      id startsAt endsAt status lessonType kind teacherId cancelReason cancellableUntil\n      room { id name }\n      price { amount currency }\n      group { id name }\n      participants { studentId reason }\n      sheet {\n        summary homework filled\n        students { studentId onLesson attendance homeworkDone grade comment }\n      }\n    }\n    student(id: $studentId) { id firstName }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TeacherName($id: ID!) {\n    staff(id: $id) { id firstName lastName }\n  }\n"): (typeof documents)["\n  query TeacherName($id: ID!) {\n    staff(id: $id) { id firstName lastName }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation IssueCalendarFeed($studentId: ID!) {\n    issueCalendarFeed(studentId: $studentId) { feed { id url } errors { code message } }\n  }\n"): (typeof documents)["\n  mutation IssueCalendarFeed($studentId: ID!) {\n    issueCalendarFeed(studentId: $studentId) { feed { id url } errors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LessonChanged($studentId: ID!) {\n    lessonChanged(studentId: $studentId) { kind lessonId studentId occurredAt }\n  }\n"): (typeof documents)["\n  subscription LessonChanged($studentId: ID!) {\n    lessonChanged(studentId: $studentId) { kind lessonId studentId occurredAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StatementLineFields on StatementLine {\n    id at kind description debt lessonsDelta\n    amount { amount currency }\n    balanceAfter { amount currency }\n    studentId lessonId subscriptionId paymentId invoiceId reversesId\n    discount { name amount { amount currency } }\n  }\n"): (typeof documents)["\n  fragment StatementLineFields on StatementLine {\n    id at kind description debt lessonsDelta\n    amount { amount currency }\n    balanceAfter { amount currency }\n    studentId lessonId subscriptionId paymentId invoiceId reversesId\n    discount { name amount { amount currency } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FamilyMoney {\n    myFamily {\n      id\n      remainingLessons\n      account { id balance { amount currency } inDebt creditLimit { amount currency } }\n      statement(first: 50, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n    }\n  }\n"): (typeof documents)["\n  query FamilyMoney {\n    myFamily {\n      id\n      remainingLessons\n      account { id balance { amount currency } inDebt creditLimit { amount currency } }\n      statement(first: 50, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n      subscriptions { id studentId name lessonsTotal lessonsLeft validUntil status trial price { amount currency } }\n      invoices { id description amount { amount currency } paid { amount currency } status issuedAt }\n      payments { id amount { amount currency } refunded { amount currency } method invoiceId receivedAt }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StatementPage($after: String!) {\n    myFamily {\n      id\n      statement(first: 50, after: $after, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"): (typeof documents)["\n  query StatementPage($after: String!) {\n    myFamily {\n      id\n      statement(first: 50, after: $after, order: NEWEST_FIRST) {\n        edges { node { ...StatementLineFields } }\n        pageInfo { hasNextPage endCursor }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartOnlinePayment($input: StartOnlinePaymentInput!) {\n    startOnlinePayment(input: $input) {\n      checkout { providerPaymentId confirmationUrl }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation StartOnlinePayment($input: StartOnlinePaymentInput!) {\n    startOnlinePayment(input: $input) {\n      checkout { providerPaymentId confirmationUrl }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationFields on Notification { id kind subject text createdAt read studentIds lessonId leadId questionId }\n"): (typeof documents)["\n  fragment NotificationFields on Notification { id kind subject text createdAt read studentIds lessonId leadId questionId }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Notifications($first: Int!, $after: String) {\n    myNotifications(first: $first, after: $after) {\n      items { ...NotificationFields }\n      unreadCount\n      nextCursor\n    }\n  }\n"): (typeof documents)["\n  query Notifications($first: Int!, $after: String) {\n    myNotifications(first: $first, after: $after) {\n      items { ...NotificationFields }\n      unreadCount\n      nextCursor\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids) { unreadCount errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation MarkNotificationsRead($ids: [ID!]) {\n    markNotificationsRead(ids: $ids) { unreadCount errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language cabinet email sms telegram telegramLinked telegramAvailable quietFrom quietTo\n    webPushAvailable webPushPublicKey\n  }\n"): (typeof documents)["\n  fragment NotificationPreferencesFields on NotificationPreferences {\n    language cabinet email sms telegram telegramLinked telegramAvailable quietFrom quietTo\n    webPushAvailable webPushPublicKey\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NotificationPreferences {\n    notificationPreferences { ...NotificationPreferencesFields }\n  }\n"): (typeof documents)["\n  query NotificationPreferences {\n    notificationPreferences { ...NotificationPreferencesFields }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNotificationPreferences($input: NotificationPreferencesInput!) {\n    setNotificationPreferences(input: $input) {\n      preferences { ...NotificationPreferencesFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation SetNotificationPreferences($input: NotificationPreferencesInput!) {\n    setNotificationPreferences(input: $input) {\n      preferences { ...NotificationPreferencesFields }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LinkMessenger {\n    linkMessenger { link { code link expiresAt } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation LinkMessenger {\n    linkMessenger { link { code link expiresAt } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnlinkMessenger {\n    unlinkMessenger { linked errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation UnlinkMessenger {\n    unlinkMessenger { linked errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {\n    registerWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) { subscriptions errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation RegisterWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {\n    registerWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) { subscriptions errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnregisterWebPush($endpoint: String!) {\n    unregisterWebPush(endpoint: $endpoint) { subscriptions errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation UnregisterWebPush($endpoint: String!) {\n    unregisterWebPush(endpoint: $endpoint) { subscriptions errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnreadNotifications {\n    myNotifications(first: 1) { unreadCount }\n  }\n"): (typeof documents)["\n  query UnreadNotifications {\n    myNotifications(first: 1) { unreadCount }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EraseStudent($studentId: ID!) {\n    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }\n  }\n"): (typeof documents)["\n  mutation EraseStudent($studentId: ID!) {\n    eraseStudent(studentId: $studentId) { student { id erased } errors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetChildConsent($studentId: ID!, $given: Boolean!) {\n    setChildConsent(studentId: $studentId, given: $given) {\n      student { id consentRecorded } errors { code message }\n    }\n  }\n"): (typeof documents)["\n  mutation SetChildConsent($studentId: ID!, $given: Boolean!) {\n    setChildConsent(studentId: $studentId, given: $given) {\n      student { id consentRecorded } errors { code message }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ChildProgress($studentId: ID!, $from: DateTime!) {\n    student(id: $studentId) {\n      id\n      progress(from: $from) {\n        courseId gradeScale\n        current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion grades }\n        trend { attendanceRate averageGrade homeworkCompletion }\n      }\n      pastLessons(first: 60) {\n        edges { node { lessonId startsAt grade attendance homeworkDone filled } }\n      }\n    }\n    courses { id name }\n  }\n"): (typeof documents)["\n  query ChildProgress($studentId: ID!, $from: DateTime!) {\n    student(id: $studentId) {\n      id\n      progress(from: $from) {\n        courseId gradeScale\n        current { lessons attended attendanceRate averageGrade averageGradePercent homeworkCompletion grades }\n        trend { attendanceRate averageGrade homeworkCompletion }\n      }\n      pastLessons(first: 60) {\n        edges { node { lessonId startsAt grade attendance homeworkDone filled } }\n      }\n    }\n    courses { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Questions {\n    myQuestions { id studentId topic text status askedAt dueAt answer answeredAt overdue }\n    questionTopics { code title responseHours responseWorkingDays }\n  }\n"): (typeof documents)["\n  query Questions {\n    myQuestions { id studentId topic text status askedAt dueAt answer answeredAt overdue }\n    questionTopics { code title responseHours responseWorkingDays }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AskQuestion($input: AskQuestionInput!) {\n    askQuestion(input: $input) { question { id status dueAt } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation AskQuestion($input: AskQuestionInput!) {\n    askQuestion(input: $input) { question { id status dueAt } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestRegistrationCode($phone: String!) {\n    requestRegistrationCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation RequestRegistrationCode($phone: String!) {\n    requestRegistrationCode(phone: $phone) { ok expiresIn errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteRegistration($input: CompleteRegistrationInput!) {\n    completeRegistration(input: $input) {\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteRegistration($input: CompleteRegistrationInput!) {\n    completeRegistration(input: $input) {\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n      triesLeft\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmEmail($token: String!) {\n    confirmEmail(token: $token) { ok errors { code message } }\n  }\n"): (typeof documents)["\n  mutation ConfirmEmail($token: String!) {\n    confirmEmail(token: $token) { ok errors { code message } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddChild($input: AddChildInput!) {\n    addChild(input: $input) { student { id firstName } errors { code message field } }\n  }\n"): (typeof documents)["\n  mutation AddChild($input: AddChildInput!) {\n    addChild(input: $input) { student { id firstName } errors { code message field } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LinkRecords($input: LinkRecordsInput!) {\n    linkRecords(input: $input) {\n      status\n      confirmation { id expiresAt }\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation LinkRecords($input: LinkRecordsInput!) {\n    linkRecords(input: $input) {\n      status\n      confirmation { id expiresAt }\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmLinkRecords($confirmationId: ID!, $code: String!) {\n    confirmLinkRecords(confirmationId: $confirmationId, code: $code) {\n      status\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmLinkRecords($confirmationId: ID!, $code: String!) {\n    confirmLinkRecords(confirmationId: $confirmationId, code: $code) {\n      status\n      session { accessToken refreshToken expiresIn role familyId studentIds }\n      errors { code message field }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Branches {\n    branches { id name city }\n  }\n"): (typeof documents)["\n  query Branches {\n    branches { id name city }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment TeacherLessonFields on Lesson {\n    id startsAt endsAt status kind lessonType branchId courseId\n    group { id name }\n    room { id name }\n  }\n"): (typeof documents)["\n  fragment TeacherLessonFields on Lesson {\n    id startsAt endsAt status kind lessonType branchId courseId\n    group { id name }\n    room { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TeacherHome($from: DateTime!, $to: DateTime!) {\n    me {\n      staffId\n      staff {\n        id firstName lastName\n        lessons(from: $from, to: $to, first: 200) { edges { node { ...TeacherLessonFields } } }\n      }\n    }\n    unfilledSheets(first: 50) { ...TeacherLessonFields }\n    branches { id name timeZone }\n    courses { id name }\n  }\n"): (typeof documents)["\n  query TeacherHome($from: DateTime!, $to: DateTime!) {\n    me {\n      staffId\n      staff {\n        id firstName lastName\n        lessons(from: $from, to: $to, first: 200) { edges { node { ...TeacherLessonFields } } }\n      }\n    }\n    unfilledSheets(first: 50) { ...TeacherLessonFields }\n    branches { id name timeZone }\n    courses { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SheetFields on LessonSheet {\n    lessonId summary homework revision filled updatedAt gradeScale\n    students {\n      studentId reason onLesson attendance homeworkDone grade comment\n      student { id firstName lastName }\n    }\n  }\n"): (typeof documents)["\n  fragment SheetFields on LessonSheet {\n    lessonId summary homework revision filled updatedAt gradeScale\n    students {\n      studentId reason onLesson attendance homeworkDone grade comment\n      student { id firstName lastName }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TeacherLesson($lessonId: ID!) {\n    lesson(id: $lessonId) {\n      ...TeacherLessonFields\n      sheet { ...SheetFields }\n    }\n    branches { id name timeZone }\n    courses { id name }\n  }\n"): (typeof documents)["\n  query TeacherLesson($lessonId: ID!) {\n    lesson(id: $lessonId) {\n      ...TeacherLessonFields\n      sheet { ...SheetFields }\n    }\n    branches { id name timeZone }\n    courses { id name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SaveLessonSheet($input: SaveLessonSheetInput!) {\n    saveLessonSheet(input: $input) {\n      sheet { ...SheetFields }\n      errors { code message field }\n    }\n  }\n"): (typeof documents)["\n  mutation SaveLessonSheet($input: SaveLessonSheetInput!) {\n    saveLessonSheet(input: $input) {\n      sheet { ...SheetFields }\n      errors { code message field }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;