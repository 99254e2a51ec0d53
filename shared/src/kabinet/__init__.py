"""Kabinet's common kit: the technical parts every service shares (no domain logic here)."""
