from kabinet.graphql.schema import subgraph_schema
from scheduling.schema.entities import Family, Staff, Student
from scheduling.schema.mutations import Mutation
from scheduling.schema.queries import Query
from scheduling.schema.types import Group, Lesson

schema = subgraph_schema(Query, Mutation, types=[Lesson, Group, Student, Family, Staff])
