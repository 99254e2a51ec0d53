from strawberry.tools import merge_types

from identity.schema.entities import Branch, Family, Question, Staff, Student
from identity.schema.lead_queries import LeadQueries
from identity.schema.mutations import Mutation
from identity.schema.notifications import NotificationQueries
from identity.schema.queries import Query as CoreQuery
from kabinet.graphql.schema import subgraph_schema

Query = merge_types("Query", (CoreQuery, LeadQueries, NotificationQueries))

schema = subgraph_schema(Query, Mutation, types=[Family, Student, Branch, Staff, Question])
