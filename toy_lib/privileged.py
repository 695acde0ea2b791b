"""Superposition in a privileged basis (paper §8): ReLU hidden neurons, monosemantic or not."""

from __future__ import annotations

__all__: list[str] = []
