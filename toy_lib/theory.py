"""Closed-form and exact-expectation losses of candidate solutions (the phase-change theory, paper §4)."""
