"""Identity's HTTP endpoints besides /graphql: the JWKS, the email-link pages, the development mailbox,
and the session cookie of the sign-in mutations."""
