from strawberry.tools import merge_types

from identity.schema.entities import Branch, Family, Question, Staff, Student
from identity.schema.mutations import Mutation
from identity.schema.notifications import NotificationQueries
from identity.schema.queries import Query
from kabinet.graphql.schema import subgraph_schema

schema = subgraph_schema(merge_types("Query", (Query, NotificationQueries)), Mutation,
                         types=[Family, Student, Branch, Staff, Question])
