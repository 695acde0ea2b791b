"""Computation in superposition (paper §9): the absolute-value task and its asymmetric motif."""

from __future__ import annotations

__all__: list[str] = []
