"""Import of official SegMAN checkpoints (and export back to the official key layout).

Accepted inputs: mmcv/mmseg segmentor checkpoints ({'meta', 'state_dict', ...} with `backbone.` and
`decode_head.` keys), timm ImageNet encoder checkpoints ({'state_dict', 'state_dict_ema'}; the EMA weights
are used, as the official backbone does; `classifier.*` is ignored), plain state dicts in either layout, and
state dicts of this package. The key mapping is the table in tools/segman/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Tuple

import torch

from .network import SegMAN, build_segman
from .variants import VARIANTS, Variant, get_variant

StateDict = Dict[str, torch.Tensor]
Rule = Tuple["re.Pattern[str]", Callable[["re.Match[str]"], str]]

_BLOCK_RENAMES = [  # official suffix inside a block -> ours (first match wins)
    ("token_mixer.rpb.0", "mixer.rpb_local"),
    ("token_mixer.rpb.1", "mixer.rpb_global"),
    ("token_mixer.dwconv.0.", "mixer.ssm_conv."),
    ("token_mixer.dwconv.1.", "mixer.ssm_bn."),
    ("token_mixer.norm.", "mixer.ssm_norm."),
    ("token_mixer.", "mixer."),
    ("mlp.", "ffn."),
    ("layer_scale1.", "scale1."),
    ("layer_scale2.", "scale2."),
]
_KEPT_BLOCK_PARTS = ("cpe1.", "cpe2.", "norm1.", "norm2.")
_DECODER_RENAMES = [
    ("linear_c2.proj.", "embed_c2."),
    ("linear_c3.proj.", "embed_c3."),
    ("linear_c4.proj.", "embed_c4."),
    ("linear_fuse.", "fuse."),
    ("image_pool.1.", "image_pool."),
    ("conv_downsample_2.", "down2."),
    ("conv_downsample_4.", "down4."),
    ("reduce_channels.", "reduce."),
    ("vssm.token_mixer.", "ssm_block.ssm."),
    ("vssm.mlp.", "ssm_block.ffn."),
    ("vssm.", "ssm_block."),
    ("cat.", "merge."),
    ("conv_seg.", "classifier."),
    ("short_path.", "short_path."),
    ("proj_out.", "proj_out."),
]


def _rename(rest: str, table: List[Tuple[str, str]], reverse: bool) -> Optional[str]:
    for official, ours in table:
        src, dst = (ours, official) if reverse else (official, ours)
        if rest.startswith(src):
            return dst + rest[len(src):]
        if not src.endswith(".") and rest == src:
            return dst
    return None


def _official_to_ours_rules() -> List[Rule]:
    def stem(m: "re.Match[str]") -> str:
        index = int(m.group(1))
        part = {0: "conv", 1: "bn"}.get(index % 3)
        if part is None:
            raise KeyError(m.string)
        return f"encoder.stem.{index // 3}.{part}.{m.group(2)}"

    def layer(m: "re.Match[str]") -> str:
        index, rest = int(m.group(1)), m.group(2)
        if index % 2 == 1:
            part = {"0.": "conv.", "1.": "bn."}.get(rest[:2])
            if part is None:
                raise KeyError(m.string)
            return f"encoder.downsamples.{index // 2}.{part}{rest[2:]}"
        if rest == "rope.angle":
            return f"encoder.stages.{index // 2}.rope.angle"
        block = re.match(r"blocks\.(\d+)\.(.+)$", rest)
        if block is None:
            raise KeyError(m.string)
        inner = block.group(2)
        renamed = inner if inner.startswith(_KEPT_BLOCK_PARTS) else _rename(inner, _BLOCK_RENAMES, False)
        if renamed is None:
            raise KeyError(m.string)
        return f"encoder.stages.{index // 2}.blocks.{block.group(1)}.{renamed}"

    def decoder(m: "re.Match[str]") -> str:
        renamed = _rename(m.group(1), _DECODER_RENAMES, False)
        if renamed is None:
            raise KeyError(m.string)
        return f"decoder.{renamed}"

    return [
        (re.compile(r"backbone\.patch_embed\.(\d+)\.(.+)$"), stem),
        (re.compile(r"backbone\.layers\.(\d+)\.(.+)$"), layer),
        (re.compile(r"decode_head\.(.+)$"), decoder),
    ]


def _ours_to_official_rules() -> List[Rule]:
    def stem(m: "re.Match[str]") -> str:
        offset = {"conv": 0, "bn": 1}[m.group(2)]
        return f"backbone.patch_embed.{3 * int(m.group(1)) + offset}.{m.group(3)}"

    def downsample(m: "re.Match[str]") -> str:
        part = {"conv": "0", "bn": "1"}[m.group(2)]
        return f"backbone.layers.{2 * int(m.group(1)) + 1}.{part}.{m.group(3)}"

    def stage(m: "re.Match[str]") -> str:
        return f"backbone.layers.{2 * int(m.group(1))}.rope.angle"

    def block(m: "re.Match[str]") -> str:
        rest = m.group(3)
        renamed = rest if rest.startswith(_KEPT_BLOCK_PARTS) else _rename(rest, _BLOCK_RENAMES, True)
        if renamed is None:
            raise KeyError(m.string)
        return f"backbone.layers.{2 * int(m.group(1))}.blocks.{m.group(2)}.{renamed}"

    def decoder(m: "re.Match[str]") -> str:
        renamed = _rename(m.group(1), _DECODER_RENAMES, True)
        if renamed is None:
            raise KeyError(m.string)
        return f"decode_head.{renamed}"

    return [
        (re.compile(r"encoder\.stem\.(\d+)\.(conv|bn)\.(.+)$"), stem),
        (re.compile(r"encoder\.downsamples\.(\d+)\.(conv|bn)\.(.+)$"), downsample),
        (re.compile(r"encoder\.stages\.(\d+)\.rope\.angle$"), stage),
        (re.compile(r"encoder\.stages\.(\d+)\.blocks\.(\d+)\.(.+)$"), block),
        (re.compile(r"decoder\.(.+)$"), decoder),
    ]


_TO_OURS = _official_to_ours_rules()
_TO_OFFICIAL = _ours_to_official_rules()


def _apply(rules: List[Rule], key: str) -> str:
    for pattern, convert in rules:
        match = pattern.match(key)
        if match:
            return convert(match)
    raise KeyError(key)


def official_to_ours(key: str) -> str:
    """Official segmentor key (backbone./decode_head.) -> this package's key; KeyError if unknown."""
    return _apply(_TO_OURS, key)


def ours_to_official(key: str) -> str:
    """This package's key -> official segmentor key; KeyError if unknown."""
    return _apply(_TO_OFFICIAL, key)


def to_official_state_dict(model: SegMAN) -> StateDict:
    """The model's weights under the official key names (what an mmseg checkpoint holds)."""
    return {ours_to_official(k): v.detach().clone() for k, v in model.state_dict().items()}


@dataclass
class LoadReport:
    source_layout: str
    loaded: int = 0
    missing: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)
    ignored: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def summary(self) -> str:
        lines = [f"{self.source_layout} checkpoint: {self.loaded} tensors loaded, {len(self.missing)} missing, "
                 f"{len(self.unexpected)} unexpected, {len(self.ignored)} ignored"]
        for label, keys in (("missing", self.missing), ("unexpected", self.unexpected)):
            lines += [f"  {label}: {key}" for key in keys]
        return "\n".join(lines)


def read_checkpoint(source: str | Mapping[str, object]) -> Tuple[StateDict, str]:
    """Load a checkpoint file (or dict) and return (state dict in our key layout, layout name)."""
    obj = torch.load(source, map_location="cpu") if isinstance(source, str) else source
    if not isinstance(obj, Mapping):
        raise ValueError("checkpoint is not a dict")
    layout = "plain"
    if "state_dict_ema" in obj:
        state, layout = obj["state_dict_ema"], "timm-ema"
    elif "state_dict" in obj:
        state, layout = obj["state_dict"], "mmcv"
    elif "model" in obj and isinstance(obj["model"], Mapping):
        state = obj["model"]
    else:
        state = obj
    state = {(k[7:] if k.startswith("module.") else k): v for k, v in state.items() if torch.is_tensor(v)}
    if any(k.startswith(("encoder.", "decoder.")) for k in state):
        return dict(state), "segman.edge"
    if not any(k.startswith(("backbone.", "decode_head.")) for k in state):
        state = {f"backbone.{k}": v for k, v in state.items()}   # an encoder-only (ImageNet) checkpoint
        layout = "encoder-only " + layout
    return state, layout


def convert_official(state: Mapping[str, torch.Tensor]) -> Tuple[StateDict, Dict[str, str], List[str], List[str]]:
    """(converted, origin of each converted key, unmapped, ignored): official keys renamed;
    the ImageNet classifier and any auxiliary head are ignored."""
    converted: StateDict = {}
    origin: Dict[str, str] = {}
    unmapped: List[str] = []
    ignored: List[str] = []
    for key, value in state.items():
        if key.startswith(("backbone.classifier.", "auxiliary_head.")):
            ignored.append(key)
            continue
        try:
            ours = official_to_ours(key)
        except KeyError:
            unmapped.append(key)
            continue
        converted[ours], origin[ours] = value, key
    return converted, origin, unmapped, ignored


def save_checkpoint(state: Mapping[str, torch.Tensor], path: str | Path) -> None:
    """Write a state dict as our checkpoints are written: plain tensors on the CPU (loadable anywhere, with
    `load_checkpoint`)."""
    torch.save({k: v.detach().cpu() for k, v in state.items()}, path)


def load_checkpoint(model: SegMAN, source: str | Mapping[str, object], strict: bool = True) -> LoadReport:
    """Load weights into `model`. Strict: raise unless every key maps and every model tensor is covered
    (an encoder-only checkpoint need not cover the decoder)."""
    state, layout = read_checkpoint(source)
    return _load_state(model, state, layout, strict)


def _load_state(model: SegMAN, state: StateDict, layout: str, strict: bool) -> LoadReport:
    ignored: List[str] = []
    unmapped: List[str] = []
    origin: Dict[str, str] = {}
    if layout != "segman.edge":
        state, origin, unmapped, ignored = convert_official(state)
    expected = model.state_dict()
    encoder_only = layout.startswith("encoder-only")
    report = LoadReport(layout, ignored=ignored)
    # Unexpected keys are named as the checkpoint names them; missing ones as the model names them.
    report.unexpected = sorted(unmapped + [origin.get(k, k) for k in state if k not in expected])
    report.missing = sorted(k for k in expected if k not in state and not (encoder_only and k.startswith("decoder.")))
    shape_errors = [f"{k}: checkpoint {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
                    for k in state if k in expected and state[k].shape != expected[k].shape]
    if shape_errors:
        raise ValueError("checkpoint shapes do not match the model:\n  " + "\n  ".join(shape_errors))
    if strict and not report.ok:
        raise ValueError(report.summary())
    usable = {k: v for k, v in state.items() if k in expected}
    model.load_state_dict(usable, strict=False)
    report.loaded = len(usable)
    return report


def infer_variant(state: Mapping[str, torch.Tensor]) -> Variant:
    """Match the encoder widths and depths of a (converted) state dict against the known variants."""
    dims = tuple(int(state[f"encoder.stages.{s}.blocks.0.norm1.weight"].shape[0]) for s in range(4))
    depths = tuple(len({k.split(".")[4] for k in state if k.startswith(f"encoder.stages.{s}.blocks.")})
                   for s in range(4))
    candidates = [v for v in VARIANTS.values() if v.dims == dims and v.depths == depths]
    # Variants that share an encoder (T, T-slim, T-slim4, T-slim2, T-mid4) differ in the decoder's feature projection
    # and refinement heads.
    projection = state.get("decoder.embed_c2.weight")
    detail, fine = state.get("decoder.detail.conv.weight"), state.get("decoder.fine.conv.weight")
    detail_channels = 0 if detail is None else int(detail.shape[0])
    fine_channels = 0 if fine is None else int(fine.shape[0])
    for variant in candidates:
        if ((projection is None or variant.feat_proj_dim == int(projection.shape[0]))
                and variant.detail_channels == detail_channels and variant.fine_channels == fine_channels):
            return variant
    if candidates:
        return candidates[0]
    raise ValueError(f"no SegMAN variant has widths {dims} and depths {depths}")


def build_from_checkpoint(source: str | Mapping[str, object], variant: Optional[str] = None,
                          keep_classes: Optional[int] = None) -> Tuple[SegMAN, LoadReport]:
    """Build the network a segmentor checkpoint describes (variant, decoder width, class count) and load it.

    keep_classes: keep only the first N classifier outputs (the T-Cityscapes config trains a 150-way head
    of which the first 19 are the Cityscapes classes).
    """
    state, layout = read_checkpoint(source)
    converted = state if layout == "segman.edge" else convert_official(state)[0]
    spec = infer_variant(converted)
    if variant is not None and get_variant(variant).name != spec.name:
        raise ValueError(f"checkpoint holds SegMAN-{spec.name}, not SegMAN-{variant}")
    classifier = converted.get("decoder.classifier.weight")
    channels = converted.get("decoder.fuse.conv.weight")
    model = build_segman(spec, num_classes=int(classifier.shape[0]) if classifier is not None else spec.num_classes,
                         decoder_channels=int(channels.shape[0]) if channels is not None else None)
    if layout.startswith("encoder-only"):
        raise ValueError("an encoder-only checkpoint has no decoder: build the model and use load_checkpoint")
    report = _load_state(model, state, layout, strict=True)
    if keep_classes is not None:
        truncate_classes(model, keep_classes)
    return model, report


def truncate_classes(model: SegMAN, keep: int) -> None:
    """Keep the first `keep` outputs of the classifier (argmax then ranges over those only)."""
    old = model.decoder.classifier
    if keep > old.out_channels:
        raise ValueError(f"cannot keep {keep} classes of a {old.out_channels}-class head")
    new = torch.nn.Conv2d(old.in_channels, keep, 1)
    with torch.no_grad():
        new.weight.copy_(old.weight[:keep])
        new.bias.copy_(old.bias[:keep])
    model.decoder.classifier = new
    model.variant = model.variant.with_classes(keep)
