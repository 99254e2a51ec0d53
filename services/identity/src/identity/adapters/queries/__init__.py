"""Read models for the GraphQL schema (identity.service.unit_of_work.IdentityReads), over the request's
read connection."""
