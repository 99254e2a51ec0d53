class MalformedEvent(ValueError):
    """A message that can never be handled (bad JSON, missing fields, payload not matching its contract).

    Consumers dead-letter it at once instead of retrying.
    """
