import { graphql } from "../../../gql";

/** The bell's number: one small read on every cabinet screen (identity answers it, the gateway never keeps it). */
export const UnreadNotifications = graphql(`
  query UnreadNotifications {
    myNotifications(first: 1) { unreadCount }
  }
`);
