"""SegMAN (CVPR 2025) in plain PyTorch: model, official checkpoint import, ONNX export with custom ops."""
