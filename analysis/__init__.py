"""Analyses: ecosystem, gaps, indicators, pairing, evaluation, matchmaking schedule."""
