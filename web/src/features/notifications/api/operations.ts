import { graphql } from "../../../gql";

export const NotificationFields = graphql(`
  fragment NotificationFields on Notification { id kind subject text createdAt read studentIds lessonId leadId questionId }
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
    language cabinet email sms telegram telegramLinked telegramAvailable quietFrom quietTo
    webPushAvailable webPushPublicKey
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

/** A one-time code and the bot's deep link (MESSENGER_NOT_CONFIGURED: the school has no bot). */
export const LinkMessenger = graphql(`
  mutation LinkMessenger {
    linkMessenger { link { code link expiresAt } errors { code message field } }
  }
`);

export const UnlinkMessenger = graphql(`
  mutation UnlinkMessenger {
    unlinkMessenger { linked errors { code message field } }
  }
`);

/** Subscribe this browser to web push (WEB_PUSH_NOT_CONFIGURED: the school has no VAPID keys). */
export const RegisterWebPush = graphql(`
  mutation RegisterWebPush($endpoint: String!, $p256dh: String!, $auth: String!) {
    registerWebPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth) { subscriptions errors { code message field } }
  }
`);

export const UnregisterWebPush = graphql(`
  mutation UnregisterWebPush($endpoint: String!) {
    unregisterWebPush(endpoint: $endpoint) { subscriptions errors { code message field } }
  }
`);
