"""Compare this implementation with the official SegMAN model code: `python -m segman.official_parity --repo DIR`.

DIR is a checkout of the official repository (yunxiangfu2001/SegMAN). Its encoder and decoder files are
imported as they are; the libraries they need and that do not run here (NATTEN, the selective-scan CUDA
extension, Triton, mmcv/mmseg, timm, einops, fvcore) are replaced by small independent stand-ins:
per-query loops for na2d_qk/na2d_av, a sequential per-token loop for the selective scan, plain reshapes for
the cross-scan/merge. The official model gets random weights; its state dict is loaded into ours through
the checkpoint mapping (strictly), and the logits are compared.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoint import load_checkpoint
from .network import build_segman
from .variants import get_variant

ENCODER_FILE = "segmentation/mmseg/models/backbones/segman_encoder.py"
DECODER_FILE = "segmentation/mmseg/models/decode_heads/segman_decoder.py"


class _Anything:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass


def _nothing(*args: object, **kwargs: object) -> None:
    return None


def _groups(side: str) -> List[List[str]]:
    groups: List[List[str]] = []
    current: Optional[List[str]] = None
    for token in re.findall(r"\(|\)|\w+", side):
        if token == "(":
            current = []
        elif token == ")":
            groups.append(current or [])
            current = None
        elif current is not None:
            current.append(token)
        else:
            groups.append([token])
    return groups


def rearrange(x: torch.Tensor, pattern: str, **sizes: int) -> torch.Tensor:
    """The subset of einops.rearrange the official files use (named axes, parenthesised groups)."""
    left, right = (_groups(s) for s in pattern.split("->"))
    known = dict(sizes)
    for group, extent in zip(left, x.shape):
        free = [a for a in group if a not in known]
        product = 1
        for axis in group:
            product *= known.get(axis, 1)
        if free:
            known[free[0]] = extent // product
    flat = [a for group in left for a in group]
    x = x.reshape([known[a] for a in flat]).permute([flat.index(a) for group in right for a in group])
    shape = []
    for group in right:
        extent = 1
        for axis in group:
            extent *= known[axis]
        shape.append(extent)
    return x.reshape(shape)


def einsum(*args: object) -> torch.Tensor:
    *tensors, pattern = args
    inputs, output = str(pattern).split("->")
    names: Dict[str, str] = {}
    for name in inputs.replace(",", " ").split() + output.split():
        names.setdefault(name, chr(ord("a") + len(names)))
    spec = ",".join("".join(names[n] for n in part.split()) for part in inputs.split(","))
    return torch.einsum(spec + "->" + "".join(names[n] for n in output.split()), *tensors)


def repeat(x: torch.Tensor, pattern: str, **sizes: int) -> torch.Tensor:
    left, right = (s.split() for s in pattern.split("->"))
    for index, name in enumerate(right):
        if name not in left:
            x = x.unsqueeze(index).expand(*([-1] * index), sizes[name], *([-1] * (x.dim() - index)))
    return x.contiguous()


def _starts(length: int, kernel: int) -> List[int]:
    return [max(min(i - kernel // 2, length - kernel), 0) for i in range(length)]


def na2d_qk(q: torch.Tensor, k: torch.Tensor, kernel_size: object, dilation: object,
            rpb: Optional[torch.Tensor] = None) -> torch.Tensor:
    kernel = kernel_size[0] if isinstance(kernel_size, (list, tuple)) else int(kernel_size)
    batch, heads, height, width, _ = q.shape
    out = q.new_empty(batch, heads, height, width, kernel * kernel)
    rows, cols = _starts(height, kernel), _starts(width, kernel)
    for i in range(height):
        for j in range(width):
            window = k[:, :, rows[i]:rows[i] + kernel, cols[j]:cols[j] + kernel]
            logits = (window * q[:, :, i, j, None, None, :]).sum(-1)
            if rpb is not None:
                bi, bj = rows[i] - i + kernel - 1, cols[j] - j + kernel - 1
                logits = logits + rpb[None, :, bi:bi + kernel, bj:bj + kernel]
            out[:, :, i, j] = logits.reshape(batch, heads, -1)
    return out


def na2d_av(attn: torch.Tensor, v: torch.Tensor, kernel_size: object, dilation: object) -> torch.Tensor:
    kernel = kernel_size[0] if isinstance(kernel_size, (list, tuple)) else int(kernel_size)
    batch, heads, height, width, dim = v.shape
    out = v.new_empty(v.shape)
    rows, cols = _starts(height, kernel), _starts(width, kernel)
    for i in range(height):
        for j in range(width):
            window = v[:, :, rows[i]:rows[i] + kernel, cols[j]:cols[j] + kernel].reshape(batch, heads, -1, dim)
            out[:, :, i, j] = (attn[:, :, i, j, :, None] * window).sum(2)
    return out


def selective_scan_fwd(u, delta, A, B, C, D, delta_bias, softplus, nrows, oflex):  # type: ignore[no-untyped-def]
    """selective_scan_cuda_oflex.fwd as a plain loop over tokens (fp32 state, fp32 output)."""
    batch, channels, length = u.shape
    groups = B.shape[1]
    dt = delta.float() + delta_bias[None, :, None]
    if softplus:
        dt = torch.where(dt <= 20, torch.log1p(torch.exp(dt)), dt)
    Bx = B.float().repeat_interleave(channels // groups, 1)
    Cx = C.float().repeat_interleave(channels // groups, 1)
    state = u.new_zeros(batch, channels, A.shape[1], dtype=torch.float32)
    y = torch.empty(batch, channels, length)
    for t in range(length):
        state = torch.exp(dt[:, :, t, None] * A[None]) * state + (dt[:, :, t] * u[:, :, t].float())[..., None] * Bx[..., t]
        y[:, :, t] = (state * Cx[..., t]).sum(-1)
    return y + D[None, :, None] * u.float(), None


class _CrossScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def]
        rows, cols = x.flatten(2), x.transpose(2, 3).flatten(2)
        return torch.stack([rows, cols, rows.flip(-1), cols.flip(-1)], 1)


class _CrossMerge(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y):  # type: ignore[no-untyped-def]
        batch, _, channels, height, width = y.shape
        y = y.reshape(batch, 4, channels, height * width)
        rows, cols = y[:, 0] + y[:, 2].flip(-1), y[:, 1] + y[:, 3].flip(-1)
        return rows + cols.reshape(batch, channels, width, height).transpose(2, 3).reshape(batch, channels, -1)


class _ConvModule(nn.Module):
    """mmcv ConvModule: conv (no bias when normed) -> BN -> ReLU, keys conv.* and bn.*."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 conv_cfg: object = None, norm_cfg: object = None, act_cfg: object = {"type": "ReLU"},
                 **kwargs: object) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias=norm_cfg is None)
        if norm_cfg is not None:
            self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.ReLU() if act_cfg is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        return self.act(self.bn(x) if hasattr(self, "bn") else x)


class _BaseDecodeHead(nn.Module):
    """The parts of mmseg's BaseDecodeHead that SegMANDecoder uses at inference."""

    def __init__(self, in_channels: List[int], channels: int, *, num_classes: int, dropout_ratio: float = 0.1,
                 conv_cfg: object = None, norm_cfg: object = None, act_cfg: object = {"type": "ReLU"},
                 in_index: object = -1, input_transform: object = None, align_corners: bool = False,
                 **kwargs: object) -> None:
        super().__init__()
        self.in_channels, self.channels, self.in_index = in_channels, channels, in_index
        self.conv_cfg, self.norm_cfg, self.act_cfg, self.align_corners = conv_cfg, norm_cfg, act_cfg, align_corners
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)
        self.dropout = nn.Dropout2d(dropout_ratio)

    def _transform_inputs(self, inputs: List[torch.Tensor]) -> List[torch.Tensor]:
        return [inputs[i] for i in self.in_index]  # type: ignore[union-attr]

    def cls_seg(self, feat: torch.Tensor) -> torch.Tensor:
        return self.conv_seg(self.dropout(feat))


class _Registry:
    def register_module(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f


def _resize(x: torch.Tensor, size: object = None, mode: str = "nearest", align_corners: object = None,
            **kwargs: object) -> torch.Tensor:
    return F.interpolate(x, size=tuple(int(s) for s in size), mode=mode, align_corners=align_corners)  # type: ignore[union-attr]


def _drop_path(*args: object, **kwargs: object) -> nn.Module:
    return nn.Identity()


def _install_stand_ins() -> None:
    def module(name: str, **attrs: object) -> types.ModuleType:
        created = types.ModuleType(name)
        created.__dict__.update(attrs)
        sys.modules[name] = created
        return created

    module("einops", rearrange=rearrange, einsum=einsum, repeat=repeat)
    module("einops.layers")
    module("einops.layers.torch", Rearrange=_Anything)
    module("fvcore")
    module("fvcore.nn", FlopCountAnalysis=_Anything, flop_count_table=_nothing, flop_count_str=_nothing,
           flop_count=_nothing, parameter_count=_nothing)
    module("mmcv")
    module("mmcv.cnn", ConvModule=_ConvModule, DepthwiseSeparableConvModule=_Anything)
    module("mmcv.runner", load_state_dict=_nothing, load_checkpoint=_nothing)
    module("natten", NeighborhoodAttention2D=_Anything, use_fused_na=_nothing, use_gemm_na=_nothing)
    module("natten.functional", na2d=_nothing, na2d_qk=na2d_qk, na2d_av=na2d_av, natten2dav=_nothing,
           natten2dqkrpb=_nothing)
    module("natten.flops", qk_2d_rpb_flop=_nothing, av_2d_flop=_nothing, add_natten_handle=_nothing)
    module("timm")
    module("timm.data", IMAGENET_DEFAULT_MEAN=(0.485, 0.456, 0.406), IMAGENET_DEFAULT_STD=(0.229, 0.224, 0.225))
    module("timm.models")
    module("timm.models.layers", DropPath=_drop_path, trunc_normal_=nn.init.trunc_normal_,
           to_2tuple=lambda x: list(x) if isinstance(x, (list, tuple)) else [x, x])
    module("timm.models.registry", register_model=lambda f: f)
    module("csm_triton", CrossScanTriton=_CrossScan, CrossMergeTriton=_CrossMerge)
    module("selective_scan_cuda_oflex", fwd=selective_scan_fwd)
    module("mmseg").__path__ = []  # type: ignore[attr-defined]
    module("mmseg.utils", get_root_logger=_nothing)
    module("mmseg.ops", resize=_resize)
    module("mmseg.models").__path__ = []  # type: ignore[attr-defined]
    module("mmseg.models.builder", BACKBONES=_Registry(), HEADS=_Registry())
    module("mmseg.models.utils")
    module("mmseg.models.decode_heads").__path__ = []  # type: ignore[attr-defined]
    module("mmseg.models.decode_heads.decode_head", BaseDecodeHead=_BaseDecodeHead)


def _load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)  # type: ignore[union-attr]
    return loaded


def compare_with_official(repo: Path, variant: str, height: int, width: int, seed: int = 0) -> Dict[str, float]:
    _install_stand_ins()
    encoders = _load(repo / ENCODER_FILE, "mmseg.models.backbones.segman_encoder")
    decoders = _load(repo / DECODER_FILE, "mmseg.models.decode_heads.segman_decoder")
    spec = get_variant(variant)
    torch.manual_seed(seed)
    official = nn.Module()
    official.backbone = getattr(encoders, f"SegMANEncoder_{spec.name.lower()}")()
    official.decode_head = decoders.SegMANDecoder(
        in_channels=list(spec.dims), in_index=[0, 1, 2, 3], channels=spec.decoder_channels,
        feat_proj_dim=spec.feat_proj_dim, dropout_ratio=0.1, num_classes=spec.num_classes,
        norm_cfg={"type": "SyncBN"}, align_corners=False)
    official.eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in official.state_dict().items():
            if tensor.is_floating_point() and not name.endswith("angle"):
                if name.endswith("running_var"):
                    tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
                else:
                    tensor.add_(torch.randn(tensor.shape, generator=generator) * (0.05 if tensor.dim() > 1 else 0.2))
    ours = build_segman(spec.name).eval()
    report = load_checkpoint(ours, {"state_dict": official.state_dict()})
    image = torch.randn(1, 3, height, width, generator=generator)
    with torch.no_grad():
        expected = official.decode_head(official.backbone(image))
        actual = ours(image)
    error = float((expected - actual).abs().max())
    return {"tensors": report.loaded, "officialParameters": sum(p.numel() for p in official.parameters()),
            "ourParameters": sum(p.numel() for p in ours.parameters()), "maxAbsError": error,
            "relativeError": error / float(expected.abs().max())}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segman.official_parity", description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, required=True, help="checkout of the official SegMAN repository")
    parser.add_argument("--variant", default="T", choices=["T", "S", "B", "L"])
    parser.add_argument("--height", type=int, default=224)
    parser.add_argument("--width", type=int, default=288)
    args = parser.parse_args(argv)
    print(compare_with_official(args.repo, args.variant, args.height, args.width))


if __name__ == "__main__":
    main()
