from billing.schema.entities import Family, Student
from billing.schema.mutations import Mutation
from billing.schema.queries import Query
from kabinet.graphql.schema import subgraph_schema

schema = subgraph_schema(Query, Mutation, types=[Family, Student])
