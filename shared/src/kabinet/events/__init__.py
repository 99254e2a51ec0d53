from kabinet.events.contracts import PRODUCED, EventContract, produces
from kabinet.events.envelope import Envelope, routing_key
from kabinet.events.errors import MalformedEvent

__all__ = ["PRODUCED", "Envelope", "EventContract", "MalformedEvent", "produces", "routing_key"]
