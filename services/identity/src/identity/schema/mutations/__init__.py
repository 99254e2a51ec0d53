"""Identity's mutations, one module per area, assembled into one Mutation type. Each returns a payload with
the changed object and typed errors."""

from __future__ import annotations

from strawberry.tools import merge_types

from identity.schema.mutations.accounts import AccountMutations
from identity.schema.mutations.families import FamilyMutations
from identity.schema.mutations.leads import LeadMutations
from identity.schema.mutations.org import OrgMutations
from identity.schema.mutations.questions import QuestionMutations
from identity.schema.mutations.sign_in import SignInMutations
from identity.schema.notifications import MessengerMutations, NotificationMutations
from identity.schema.web_push import WebPushMutations

Mutation = merge_types("Mutation", (SignInMutations, AccountMutations, OrgMutations, FamilyMutations,
                                    QuestionMutations, LeadMutations, NotificationMutations,
                                    MessengerMutations, WebPushMutations))
