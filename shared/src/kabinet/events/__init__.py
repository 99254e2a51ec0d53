from kabinet.events.contracts import PRODUCED, EventContract, Prepared, produces
from kabinet.events.envelope import Envelope, routing_key
from kabinet.events.errors import MalformedEvent
from kabinet.events.money import MoneyPayload

__all__ = ["PRODUCED", "Envelope", "EventContract", "MalformedEvent", "MoneyPayload", "Prepared", "produces",
           "routing_key"]
