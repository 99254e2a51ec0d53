import { graphql } from "../../../gql";

export const RequestRegistrationCode = graphql(`
  mutation RequestRegistrationCode($phone: String!) {
    requestRegistrationCode(phone: $phone) { ok expiresIn errors { code message field } }
  }
`);

export const CompleteRegistration = graphql(`
  mutation CompleteRegistration($input: CompleteRegistrationInput!) {
    completeRegistration(input: $input) {
      session { accessToken refreshToken expiresIn role familyId studentIds }
      errors { code message field }
      triesLeft
    }
  }
`);

export const ConfirmEmail = graphql(`
  mutation ConfirmEmail($token: String!) {
    confirmEmail(token: $token) { ok errors { code message } }
  }
`);

export const AddChild = graphql(`
  mutation AddChild($input: AddChildInput!) {
    addChild(input: $input) { student { id firstName } errors { code message field } }
  }
`);

export const LinkRecords = graphql(`
  mutation LinkRecords($input: LinkRecordsInput!) {
    linkRecords(input: $input) {
      status
      confirmation { id expiresAt }
      session { accessToken refreshToken expiresIn role familyId studentIds }
      errors { code message field }
    }
  }
`);

/** Records of another phone: that family's guardian got a code, which the parent types here. */
export const ConfirmLinkRecords = graphql(`
  mutation ConfirmLinkRecords($confirmationId: ID!, $code: String!) {
    confirmLinkRecords(confirmationId: $confirmationId, code: $code) {
      status
      session { accessToken refreshToken expiresIn role familyId studentIds }
      errors { code message field }
    }
  }
`);

export const Branches = graphql(`
  query Branches {
    branches { id name city }
  }
`);
