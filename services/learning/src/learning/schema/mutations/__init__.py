"""Learning's mutations, one module per area, assembled into one Mutation type."""

import strawberry

from learning.schema.mutations.settings import SettingsMutations
from learning.schema.mutations.sheets import SheetMutations


@strawberry.type
class Mutation(SheetMutations, SettingsMutations):
    pass


__all__ = ["Mutation"]
