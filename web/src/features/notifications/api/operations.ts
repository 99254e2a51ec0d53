import { graphql } from "../../../gql";

export const NotificationFields = graphql(`
  fragment NotificationFields on Notification { id kind subject text createdAt read }
`);

/** A page of the list, newest first; `after` is the previous page's nextCursor. */
export const Notifications = graphql(`
  query Notifications($first: Int!, $after: String) {
    myNotifications(first: $first, after: $after) {
      items { ...NotificationFields }
      unreadCount
      nextCursor
    }
  }
`);

export const MarkNotificationsRead = graphql(`
  mutation MarkNotificationsRead($ids: [ID!]) {
    markNotificationsRead(ids: $ids) { unreadCount errors { code message field } }
  }
`);

export const NotificationPreferencesFields = graphql(`
  fragment NotificationPreferencesFields on NotificationPreferences {
    language cabinet email sms quietFrom quietTo
  }
`);

export const NotificationPreferences = graphql(`
  query NotificationPreferences {
    notificationPreferences { ...NotificationPreferencesFields }
  }
`);

export const SetNotificationPreferences = graphql(`
  mutation SetNotificationPreferences($input: NotificationPreferencesInput!) {
    setNotificationPreferences(input: $input) {
      preferences { ...NotificationPreferencesFields }
      errors { code message field }
    }
  }
`);
