"""Test helpers for the gateway (cross-checks against Apollo's reference tools)."""
