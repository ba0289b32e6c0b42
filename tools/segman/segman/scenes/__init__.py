"""Procedural dash-cam road scenes with exact Cityscapes trainId labels."""

from .classes import CLASS_NAMES, NUM_CLASSES, PALETTE_RGB
from .render import render_scene

__all__ = ["CLASS_NAMES", "NUM_CLASSES", "PALETTE_RGB", "render_scene"]
