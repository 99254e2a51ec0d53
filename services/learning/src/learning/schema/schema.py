from kabinet.graphql.schema import subgraph_schema
from learning.schema.entities import Lesson, Student
from learning.schema.mutations import Mutation
from learning.schema.queries import Query
from learning.schema.types import LessonSheet

schema = subgraph_schema(Query, Mutation, types=[Lesson, Student, LessonSheet])
