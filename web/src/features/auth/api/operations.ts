import { graphql } from "../../../gql";

export const RequestSignInCode = graphql(`
  mutation RequestSignInCode($phone: String!) {
    requestSignInCode(phone: $phone) { ok expiresIn errors { code message field } }
  }
`);

export const SignInWithCode = graphql(`
  mutation SignInWithCode($phone: String!, $code: String!) {
    signInWithCode(phone: $phone, code: $code) {
      session { accessToken refreshToken expiresIn role familyId staffId studentIds }
      errors { code message field }
      triesLeft
    }
  }
`);

export const SignInWithPassword = graphql(`
  mutation SignInWithPassword($login: String!, $password: String!) {
    signInWithPassword(login: $login, password: $password) {
      session { accessToken refreshToken expiresIn role familyId staffId studentIds }
      errors { code message field }
    }
  }
`);

export const RefreshSession = graphql(`
  mutation RefreshSession($refreshToken: String!) {
    refreshSession(refreshToken: $refreshToken) {
      session { accessToken refreshToken expiresIn role familyId staffId studentIds }
      errors { code message }
    }
  }
`);

export const SignOut = graphql(`
  mutation SignOut($refreshToken: String!) {
    signOut(refreshToken: $refreshToken) { ok errors { code message } }
  }
`);
