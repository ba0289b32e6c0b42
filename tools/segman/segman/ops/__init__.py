"""Pure-PyTorch references of SegMAN's two custom ops and the switch that picks how they are run."""
