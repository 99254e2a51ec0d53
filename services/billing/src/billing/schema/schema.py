from kabinet.graphql.schema import subgraph_schema

from billing.schema.entities import Family, Student
from billing.schema.mutations import Mutation
from billing.schema.queries import Query

schema = subgraph_schema(Query, Mutation, types=[Family, Student])
