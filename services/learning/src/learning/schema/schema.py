from kabinet.graphql.schema import subgraph_schema
from learning.schema.mutations import Mutation
from learning.schema.queries import Query
from learning.schema.types import Lesson, LessonSheet, Student

schema = subgraph_schema(Query, Mutation, types=[Lesson, Student, LessonSheet])
